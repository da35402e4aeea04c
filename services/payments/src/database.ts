import { fileURLToPath } from 'node:url'
import { coreMigrationsDir, type Database, openDatabase } from '@kokdala/core'
import type { PaymentsConfig } from './config.ts'

/** Core's migrations (jobs, idempotency keys, API tokens, webhooks), then the service's own, in order. */
export const paymentsMigrations = [coreMigrationsDir, fileURLToPath(new URL('../migrations', import.meta.url))]

/** Opens the payments database described by the config and applies migrations. */
export function openPaymentsDatabase(config: PaymentsConfig): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL ? undefined : config.PAYMENTS_DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
    migrationsDir: paymentsMigrations,
  })
}
