import type { WebkassaClient } from '@kokdala/webkassa'
import type { FiscalConfig } from './config.ts'

/**
 * The Webkassa client the service talks through, built from the config. The HTTP client of `@kokdala/webkassa`
 * is being written beside this service; until it is on main there is none, and every call fails with
 * WEBKASSA_NOT_CONFIGURED instead of pretending.
 */
export function webkassaClientOf(_config: FiscalConfig): WebkassaClient | undefined {
  return undefined
}
