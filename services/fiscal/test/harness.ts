import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { type Clock, type Database, manualClock, standardWebhookHeaders } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import type { WebkassaClient } from '@kokdala/webkassa'
import { buildFiscalApp, type FiscalApp } from '../src/app.ts'
import { loadFiscalConfig } from '../src/config.ts'
import { fiscalMigrations } from '../src/database.ts'
import type { TokenSession } from '../src/modules/receipts/recovery.ts'
import type { FiscalOverrides } from '../src/services.ts'
import { plainSession } from './fake-webkassa.ts'
import type { ReceiptJson } from './receipt-json.ts'

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

/** The receipts tests' schedule: three further rounds a second apart; a parked cashbox asks again after a minute. */
export const FAST_RECEIPT_RETRIES = { retryScheduleMs: [1_000, 1_000, 1_000], parkProbeMs: 60_000 }

/**
 * A fiscal app whose receipts go to `webkassa` (the fake's client, or a wrapper of it) through `session` (the fake's
 * standing token unless given), on a manual clock at 2026-01-05 09:00 Almaty, taking payments events signed with
 * `secret`, cashboxes `SWK1` unless given.
 */
export async function startOnWebkassa(
  webkassa: WebkassaClient,
  options: { secret: string; cashboxes?: string; session?: TokenSession; receipts?: FiscalOverrides['receipts'] },
) {
  const clock = manualClock(new Date('2026-01-05T04:00:00Z'))
  const fiscal = await startFiscal(
    { FISCAL_CASHBOXES: options.cashboxes ?? 'SWK1', FISCAL_PAYMENTS_WEBHOOK_SECRET: options.secret },
    { clock, overrides: { webkassa, session: options.session ?? plainSession, receipts: options.receipts } },
  )
  return { clock, fiscal }
}

export interface PaymentsFeedOptions {
  /** The secret payments signs its fiscal feed with (`FISCAL_PAYMENTS_WEBHOOK_SECRET`). */
  secret: string
  clock: ReturnType<typeof manualClock>
  /** Fields every event carries before the test's own (a function: some follow the clock). */
  defaults?: () => Record<string, unknown>
  /** How many worker rounds `drain` may take before it gives up. */
  drainRounds?: number
}

/**
 * What a receipts test does to a started fiscal: deliver payments events signed as payments signs its fiscal feed,
 * run the queues until nothing is due, and list the receipts as the admin.
 */
export function paymentsFeed(fiscal: FiscalApp, options: PaymentsFeedOptions) {
  const { secret, clock, defaults = () => ({}), drainRounds = 50 } = options
  let event = 0
  /** Delivers one event: `{ event: 'paid', transaction_id: 'TX0000000001', …defaults, status: event, …fields }`. */
  const deliver = (fields: Record<string, unknown>, webhookId = `msg_${++event}_${randomUUID()}`) => {
    const body = JSON.stringify({
      event: 'paid',
      transaction_id: 'TX0000000001',
      ...defaults(),
      status: fields.event ?? 'paid',
      ...fields,
    })
    return fiscal.app.inject({
      method: 'POST',
      url: '/api/payment-events',
      headers: { ...standardWebhookHeaders(secret, webhookId, body, clock.now()), 'content-type': 'application/json' },
      payload: body,
    })
  }
  /** A 'paid' event of `amount` tenge, all of it received (on TX0000000001 unless named). */
  const pay = (amount: number, transactionId = 'TX0000000001') =>
    deliver({ transaction_id: transactionId, paid_amount: amount, actual_amount_received: amount })
  /** Runs the queues until nothing is due now. */
  const drain = async () => {
    for (let i = 0; i < drainRounds; i++) if ((await fiscal.services.worker.runDue()) === 0) return
    throw new Error('queues never drained')
  }
  const receipts = async (query = '') => {
    const res = await fiscal.app.inject({
      method: 'GET',
      url: `/api/receipts${query}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    assert.equal(res.statusCode, 200, res.body)
    return res.json().receipts as ReceiptJson[]
  }
  return { clock, deliver, pay, drain, receipts }
}

/**
 * Pays 1 000 ₸ on TX0000000001 while Webkassa commits the receipt and drops the answer: the receipt waits in
 * `recovering`, and the next round (a second later) finds it in Webkassa's history. Returns the fiscalized receipt.
 */
export async function payThroughCommitThenDrop(feed: ReturnType<typeof paymentsFeed>): Promise<ReceiptJson> {
  await feed.pay(1_000)
  await feed.drain()
  assert.equal((await feed.receipts())[0].status, 'recovering')
  feed.clock.advance(1_000)
  await feed.drain()
  const [r] = await feed.receipts()
  assert.equal(r.status, 'fiscalized')
  assert.equal(r.fiscal.via, 'recovery')
  return r
}
