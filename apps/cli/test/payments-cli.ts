/** What the payments CLI tests share: a payments service on a free port with an admin token, and captured output. */
import type { Database } from '@kokdala/core'
import type { PaymentsApp } from '@kokdala/payments'
import { startPaymentsApp } from '../../../services/payments/test/harness.ts'
import type { AdminTarget } from '../src/commands/payments-admin-client.ts'

export type { AdminTarget } from '../src/commands/payments-admin-client.ts'

export const CLI_ADMIN_TOKEN = 'cli-admin-token-0123456789-0123456789abcdef'

export { output, printed } from './output.ts'

export interface PaymentsForCli {
  payments: PaymentsApp
  db: Database
  /** Where the CLI finds the service, with the right admin token. */
  target: AdminTarget
  close(): Promise<void>
}

/** The payments service (background off) on a fresh test database, listening on a free port, for the CLI to call. */
export async function startPaymentsForCli({
  env = {},
  overrides,
}: {
  env?: Record<string, string>
  overrides?: NonNullable<Parameters<typeof startPaymentsApp>[0]>['overrides']
} = {}): Promise<PaymentsForCli> {
  const payments = await startPaymentsApp({ env, adminToken: CLI_ADMIN_TOKEN, overrides })
  const url = await payments.app.listen({ port: 0, host: '127.0.0.1' })
  return { payments, db: payments.db, target: { url, token: CLI_ADMIN_TOKEN }, close: () => payments.close() }
}
