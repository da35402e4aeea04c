import { fileURLToPath } from 'node:url'
import { coreMigrationsDir, type Database, openDatabase } from '@kokdala/core'
import type { TicketsConfig } from './config.ts'

/** Core's migrations (jobs, idempotency keys), then the service's own, in order. */
export const ticketsMigrations = [coreMigrationsDir, fileURLToPath(new URL('../migrations', import.meta.url))]

/** Opens the tickets database described by the config and applies migrations. */
export function openTicketsDatabase(config: TicketsConfig): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL ? undefined : config.TICKETS_DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
    migrationsDir: ticketsMigrations,
  })
}
