export { formatChequeAmount, paidAmountTiyn, parseChequeAmount } from './amount.ts'
export {
  CAMERA_CONNECTOR,
  type CameraQrReader,
  type CameraQrReaderOptions,
  createCameraQrReader,
  type QrReader,
  toPaymentUrl,
} from './camera.ts'
export {
  createKaspiTerminalClient,
  KASPI_CONNECTOR,
  type KaspiRefundInput,
  type KaspiTerminalClient,
  type KaspiTerminalClientOptions,
} from './client.ts'
export { isKaspiProductType, type KaspiMethodCode, methodOfProductType } from './product.ts'
export {
  type CameraScanAnswer,
  KASPI_PRODUCT_TYPES,
  KASPI_REFUND_METHODS,
  KASPI_STATUSES,
  type KaspiAddInfo,
  type KaspiChequeInfo,
  type KaspiEnvelope,
  type KaspiProcessData,
  type KaspiProductType,
  type KaspiRefundMethod,
  type KaspiStatus,
  type KaspiStatusData,
  type KaspiStatusValue,
} from './wire.ts'
