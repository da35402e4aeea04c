import { createWebkassaClient, type WebkassaHttpClient } from '@kokdala/webkassa'
import type { FiscalConfig } from './config.ts'

/**
 * The Webkassa client the service talks through, built from the config; none without an API key (development
 * without configuration), and every call then fails with WEBKASSA_NOT_CONFIGURED instead of pretending.
 */
export function webkassaClientOf(config: FiscalConfig): WebkassaHttpClient | undefined {
  if (config.FISCAL_WEBKASSA_API_KEY === undefined) return undefined
  return createWebkassaClient({
    baseUrl: config.FISCAL_WEBKASSA_URL,
    apiKey: config.FISCAL_WEBKASSA_API_KEY,
    timeoutMs: config.FISCAL_WEBKASSA_TIMEOUT_MS,
    failoverHosts: config.FISCAL_WEBKASSA_FAILOVER_HOSTS.split(',')
      .map((host) => host.trim())
      .filter((host) => host !== ''),
  })
}
