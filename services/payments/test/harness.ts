import type { Database, Queryable } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
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

/**
 * A payments app on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL), background off, with the
 * in-memory terminal pool and a recorder of payment events.
 */
export async function startPayments(
  env: Record<string, string> = {},
  options: { terminals?: number } = {},
): Promise<StartedPayments> {
  const db: Database = await openTestDatabase(paymentsMigrations)
  const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: ADMIN_TOKEN, ...env })
  const terminals = createFakeTerminalPool({ terminals: options.terminals ?? 4 })
  const events: PaymentEvent[] = []
  // Recorded inside the transaction: an event is only kept if its transaction commits (a row proves it).
  const recorder: PaymentEvents = {
    async record(tx: Queryable, event: PaymentEvent) {
      await tx.query('SELECT 1')
      events.push(event)
    },
  }
  const built = await buildPaymentsApp({
    config,
    db,
    background: false,
    overrides: { pool: terminals.pool, events: recorder },
  })
  return {
    ...built,
    terminals,
    events,
    async close() {
      await built.app.close()
      await db.close()
    },
  }
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
