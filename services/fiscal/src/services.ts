import type { Clock, Database, Runtime } from '@kokdala/core'
import type { FiscalConfig } from './config.ts'

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

// biome-ignore lint/complexity/noBannedTypes: filled by the modules as they come (the Webkassa client first)
export type FiscalOverrides = {}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildFiscalServices(_deps: FiscalServiceDeps) {
  return {}
}

export type FiscalServices = ReturnType<typeof buildFiscalServices>
