import type { Database } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'

/** A payments app on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL), background off. */
export async function startPayments(
  env: Record<string, string> = {},
): Promise<PaymentsApp & { close(): Promise<void> }> {
  const db: Database = await openTestDatabase(paymentsMigrations)
  const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', ...env })
  const built = await buildPaymentsApp({ config, db, background: false })
  return {
    ...built,
    async close() {
      await built.app.close()
      await db.close()
    },
  }
}
