export { WEBKASSA_CONNECTOR, type WebkassaClient, type WebkassaClientOptions } from './client.ts'
export { actionOfCode, WEBKASSA_ERROR_ACTIONS, type WebkassaAction } from './errors.ts'
export type { WebkassaResult } from './result.ts'
export * from './wire.ts'
