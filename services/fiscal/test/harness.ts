import type { Clock, Database } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildFiscalApp, type FiscalApp } from '../src/app.ts'
import { loadFiscalConfig } from '../src/config.ts'
import { fiscalMigrations } from '../src/database.ts'
import type { FiscalOverrides } from '../src/services.ts'

export const ADMIN_TOKEN = 'fiscal-admin-token-for-tests-0123456789'

export interface StartedFiscal extends FiscalApp {
  close(): Promise<void>
}

/**
 * A fiscal app on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL), background off, or on the
 * database given (a second process of the same deployment).
 */
export async function startFiscal(
  env: Record<string, string> = {},
  options: { db?: Database; clock?: Clock; overrides?: FiscalOverrides } = {},
): Promise<StartedFiscal> {
  // Five connections: a file keeps its apps open until it ends, and the log test runs the token files beside
  // another file of the suite; at twenty each they passed PostgreSQL's 100 connections.
  const db = options.db ?? (await openTestDatabase(fiscalMigrations, 5))
  // The log test runs these files with FISCAL_TEST_LOG_LEVEL=trace and searches what they print for secrets.
  const logLevel = process.env.FISCAL_TEST_LOG_LEVEL ?? 'silent'
  const config = loadFiscalConfig({
    LOG_LEVEL: logLevel,
    LOG_REQUESTS: logLevel === 'silent' ? 'false' : 'true',
    FISCAL_ADMIN_TOKEN: ADMIN_TOKEN,
    ...env,
  })
  const built = await buildFiscalApp({
    config,
    db,
    clock: options.clock,
    background: false,
    overrides: options.overrides,
  })
  return {
    ...built,
    async close() {
      await built.app.close()
      if (!options.db) await db.close()
    },
  }
}
