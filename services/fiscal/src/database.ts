import { fileURLToPath } from 'node:url'
import { coreMigrationsDir, type Database, openDatabase } from '@kokdala/core'
import type { FiscalConfig } from './config.ts'

/** Core's migrations (jobs, idempotency keys, webhooks), then the service's own, in order. */
export const fiscalMigrations = [coreMigrationsDir, fileURLToPath(new URL('../migrations', import.meta.url))]

/** Opens the fiscal database described by the config and applies migrations. */
export function openFiscalDatabase(config: FiscalConfig): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL ? undefined : config.FISCAL_DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
    migrationsDir: fiscalMigrations,
  })
}
