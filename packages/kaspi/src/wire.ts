/**
 * The Kaspi Smart POS local API as the seed's origin drives it (research/kaspi-terminal-protocol.md): every call a
 * GET without a body, every answer one envelope. These types are the wire, shared by the client and the simulator.
 */

/** Every answer: `statusCode` 0 is success; anything else is a refusal explained by `errorText`. */
export interface KaspiEnvelope<T = unknown> {
  statusCode: number
  errorText?: string
  data?: T
}

/** What `/v2/payment` and `/v2/refund` answer: the process the terminal started. */
export interface KaspiProcessData {
  processId: string
}

/** `wait` until the customer acts; `unknown` when the terminal lost track (resolve it with `/v2/actualize`). */
export const KASPI_STATUSES = ['wait', 'success', 'fail', 'unknown'] as const
export type KaspiStatusValue = (typeof KASPI_STATUSES)[number]

/** How the customer actually paid (`addInfo.ProductType`); `Loan` is paid as credit. */
export const KASPI_PRODUCT_TYPES = ['Gold', 'Red', 'Credit', 'Installment', 'Loan'] as const
export type KaspiProductType = (typeof KASPI_PRODUCT_TYPES)[number]

/** The ways a refund can go back to the customer. */
export const KASPI_REFUND_METHODS = ['qr', 'card', 'alaqan'] as const
export type KaspiRefundMethod = (typeof KASPI_REFUND_METHODS)[number]

/** The cheque the terminal prints; `amount` is formatted for people ("50 500 ₸", narrow or no-break spaces). */
export interface KaspiChequeInfo {
  method?: string
  amount?: string
  orderNumber?: string
  status?: string
  [key: string]: unknown
}

export interface KaspiAddInfo {
  ProductType?: KaspiProductType | string
  /** Months, for credit and installments. */
  LoanTerm?: number
  [key: string]: unknown
}

/**
 * `data` of `/v2/status` and `/v2/actualize`. On `success`, `amount` (whole tenge) is what the customer actually paid
 * and `addInfo.ProductType` how; read the amount with `paidAmountTiyn`, never as `data.amount ?? 0`.
 */
export interface KaspiStatusData {
  status: KaspiStatusValue
  amount?: number
  transactionId?: string
  chequeInfo?: KaspiChequeInfo
  addInfo?: KaspiAddInfo
  subStatus?: string
  [key: string]: unknown
}

/** What the client's `status` and `actualize` resolve with: the terminal's status data, checked for `status`. */
export type KaspiStatus = KaspiStatusData

/** The camera service's answer to `GET /scan-qr/<cameraId>`. */
export interface CameraScanAnswer {
  success: boolean
  qrData?: string
  error?: string
}
