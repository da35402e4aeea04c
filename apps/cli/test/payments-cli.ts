/** What the payments CLI tests share: a payments service on a free port with an admin token, and captured output. */
import { PassThrough } from 'node:stream'
import type { Database } from '@kokdala/core'
import type { PaymentsApp } from '@kokdala/payments'
import { startPaymentsApp } from '../../../services/payments/test/harness.ts'
import type { AdminTarget } from '../src/commands/payments-admin-client.ts'

export type { AdminTarget } from '../src/commands/payments-admin-client.ts'

export const CLI_ADMIN_TOKEN = 'cli-admin-token-0123456789-0123456789abcdef'

/** A writable stream for a command's output, and what it has been written so far. */
export function output() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk) => {
    text += chunk
  })
  return { stream, text: () => text }
}

/** Runs one command writing to `out` and answers what it printed. */
export async function printed(command: (out: NodeJS.WritableStream) => Promise<unknown>): Promise<string> {
  const out = output()
  await command(out.stream)
  return out.text()
}

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
