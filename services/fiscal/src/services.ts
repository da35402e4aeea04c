import type { Clock, Database, Runtime } from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import type { FiscalConfig } from './config.ts'
import { createTokensModule } from './modules/tokens/module.ts'
import { webkassaClientOf } from './webkassa.ts'

export interface FiscalServiceDeps {
  config: FiscalConfig
  db: Database
  clock: Clock
  log: {
    info(object: object, message: string): void
    warn(object: object, message: string): void
    error(object: object, message: string): void
  }
  /** Where the modules register what runs beside the requests and what closes with the service. */
  runtime: Runtime
  /** Replacements for tests. */
  overrides?: FiscalOverrides
}

export interface FiscalOverrides {
  /** A fake Webkassa (tests) instead of the HTTP client built from the config. */
  webkassa?: WebkassaClient
  /** The scheduled refresh's random delay in [0, 1). */
  random?: () => number
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildFiscalServices({ config, db, clock, log, runtime, overrides = {} }: FiscalServiceDeps) {
  const webkassa = overrides.webkassa ?? webkassaClientOf(config)
  if (webkassa && !overrides.webkassa) runtime.closeWith(webkassa)
  const tokens = createTokensModule({ config, db, clock, log, runtime, client: webkassa, random: overrides.random })
  return { webkassa, tokens }
}

export type FiscalServices = ReturnType<typeof buildFiscalServices>
