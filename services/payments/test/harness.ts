import type { Database, Queryable } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { type BuildPaymentsOptions, buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import type { PaymentEvent, PaymentEvents } from '../src/modules/payments/events.ts'
import { createFakeTerminalPool, type FakeTerminalPool } from './fake-terminal-pool.ts'

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef'

export interface StartedPayments extends PaymentsApp {
  terminals: FakeTerminalPool
  /** Events recorded by the payments module, in order, with whether their transaction committed. */
  events: PaymentEvent[]
  close(): Promise<void>
}

export type PaymentsTestApp = PaymentsApp & { close(): Promise<void> }

/**
 * A payments app on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL), background off unless
 * asked, with an admin token; `close` closes the app and the database.
 */
export async function startPaymentsApp({
  env = {},
  adminToken = ADMIN_TOKEN,
  background = false,
  overrides,
}: {
  env?: Record<string, string>
  adminToken?: string
  background?: boolean
  overrides?: BuildPaymentsOptions['overrides']
} = {}): Promise<PaymentsTestApp> {
  const db: Database = await openTestDatabase(paymentsMigrations)
  const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: adminToken, ...env })
  const built = await buildPaymentsApp({ config, db, background, overrides })
  return {
    ...built,
    async close() {
      await built.app.close()
      await db.close()
    },
  }
}

/** A payments app (startPaymentsApp) with the in-memory terminal pool and a recorder of payment events. */
export async function startPayments(
  env: Record<string, string> = {},
  options: { terminals?: number } = {},
): Promise<StartedPayments> {
  const terminals = createFakeTerminalPool({ terminals: options.terminals ?? 4 })
  const events: PaymentEvent[] = []
  // Recorded inside the transaction: an event is only kept if its transaction commits (a row proves it).
  const recorder: PaymentEvents = {
    async record(tx: Queryable, event: PaymentEvent) {
      await tx.query('SELECT 1')
      events.push(event)
    },
  }
  const started = await startPaymentsApp({ env, overrides: { pool: terminals.pool, events: recorder } })
  return Object.assign(started, { terminals, events })
}

/** A client of the app's routes through `inject`, with a source token. */
export function client(t: PaymentsApp, token?: string) {
  const send = async (method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await t.app.inject({
      method,
      url,
      headers: { ...(token ? { 'x-api-token': token } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    })
    return { status: answer.statusCode, body: answer.json(), headers: answer.headers }
  }
  return {
    send,
    init: (body: unknown, headers?: Record<string, string>) => send('POST', '/api/payment/init', body, headers),
    get: (id: string) => send('GET', `/api/payment/${id}`),
    status: (id: string) => send('GET', `/api/payment/${id}/status`),
    kaspi: (id: string, method: string, headers?: Record<string, string>) =>
      send('POST', `/api/payment/${id}/kaspi`, { payment_method: method }, headers),
    cancel: (id: string) => send('POST', `/api/payment/${id}/cancel`),
    refund: (id: string, body: unknown = {}) => send('POST', `/api/payment/${id}/refund`, body),
  }
}

/** A new source with a token, through the sources service. */
export async function sourceToken(t: PaymentsApp, name = 'byfly'): Promise<string> {
  return (await t.services.sources.createToken(name)).token
}
