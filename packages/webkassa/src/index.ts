export { WEBKASSA_CONNECTOR, type WebkassaClient, type WebkassaClientOptions } from './client.ts'
export { actionOfCode, WEBKASSA_ERROR_ACTIONS, type WebkassaAction } from './errors.ts'
export {
  createWebkassaClient,
  type WebkassaHttpClient,
  type WebkassaHttpClientOptions,
} from './http-client.ts'
export { lineTotalTiyn, MAX_AMOUNT_TIYN, tengeToTiyn, tiynToTenge, vatIncludedTiyn } from './money.ts'
export type { WebkassaResult } from './result.ts'
export * from './wire.ts'
