import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { manualClock } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import { createFakeTerminalPool } from './fake-terminal-pool.ts'
import { client, type StartedPayments, sourceToken, startPayments } from './harness.ts'

describe('refunds and cancels', () => {
  let t: StartedPayments
  let api: ReturnType<typeof client>
  let other: ReturnType<typeof client>

  before(async () => {
    t = await startPayments()
    api = client(t, await sourceToken(t, 'byfly'))
    other = client(t, await sourceToken(t, 'club'))
  })
  after(() => t.close())

  const lastAttempt = () => t.terminals.calls.filter((c) => c.op === 'start').at(-1)!.attemptId

  /** A payment paid in two captures: 60 000 by Gold on a 100 000 payment, then the 40 000 remainder by Red. */
  async function paidTwice(): Promise<string> {
    const id = (await api.init({ amount: 100000 })).body.data.transaction_id
    await api.kaspi(id, 'kaspi_gold')
    t.terminals.pay(lastAttempt(), 'Gold', 60000)
    await api.status(id)
    await api.kaspi(id, 'kaspi_red')
    t.terminals.pay(lastAttempt(), 'Red')
    assert.equal((await api.status(id)).body.data.status, 'paid')
    return id
  }

  test('partial refunds, several per payment, through the terminal that took each capture, newest first', async () => {
    const id = await paidTwice()
    const first = await api.refund(id, { amount: 30000 })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.deepEqual(
      [first.body.data.status, first.body.data.refunded_amount, first.body.data.paid_amount],
      ['partially_refunded', 30000, 70000],
    )
    assert.equal(t.events.at(-1)!.name, 'partially_refunded')
    const second = await api.refund(id, { amount: '20000.50' })
    assert.equal(second.body.data.refunded_amount, 50000.5)
    const refunds = t.terminals.calls.filter((c) => c.op === 'refund').slice(-3)
    // 30 000 from the Red capture (40 000), then 10 000 more from it and 10 000.50 from the Gold one.
    assert.deepEqual(
      refunds.map((r) => r.amountTenge),
      [30000, 10000, 10000.5],
    )
    const tooMuch = await api.refund(id, { amount: 49999.51 })
    assert.equal(tooMuch.status, 400)
    assert.equal(tooMuch.body.code, 'REFUND_AMOUNT_TOO_LARGE')
    const rest = await api.refund(id)
    assert.deepEqual([rest.body.data.status, rest.body.data.refunded_amount], ['refunded', 100000])
    assert.equal(t.events.at(-1)!.name, 'refunded')
    const again = await api.refund(id, { amount: 1 })
    assert.equal(again.body.code, 'REFUND_NOT_ALLOWED')
  })

  test('a refund the terminal refuses is reversed in the ledger and nothing counts as refunded', async () => {
    const id = await paidTwice()
    t.terminals.setRefundsFail(true)
    try {
      const refused = await api.refund(id, { amount: 1000 })
      assert.equal(refused.status, 400)
      assert.equal(refused.body.code, 'TERMINAL_UNAVAILABLE')
    } finally {
      t.terminals.setRefundsFail(false)
    }
    const shown = (await api.get(id)).body.data
    assert.deepEqual([shown.status, shown.refunded_amount, shown.paid_amount], ['paid', 0, 100000])
    const { rows } = await t.db.query<{ kind: string }>(
      `SELECT kind FROM payment_entry e JOIN payment p ON p.id = e.payment_id WHERE p.transaction_id = $1 ORDER BY e.id`,
      [id],
    )
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['capture', 'capture', 'refund', 'refund_reversal'],
    )
  })

  test('concurrent refunds never give back more than was captured', async () => {
    const id = await paidTwice()
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.refund(id, { amount: 30000 })))
    const ok = answers.filter((a) => a.status === 200).length
    assert.equal(ok, 3, '3 × 30 000 fit in 100 000, a fourth does not')
    assert.ok(
      answers.every((a) => a.status === 200 || a.body.code === 'REFUND_AMOUNT_TOO_LARGE'),
      JSON.stringify(answers.map((a) => a.body)),
    )
    assert.equal((await api.get(id)).body.data.refunded_amount, 90000)
  })

  test('another source’s payment is not found for cancel or refund; a public caller has no token', async () => {
    const id = await paidTwice()
    assert.equal((await other.refund(id, {})).body.code, 'PAYMENT_NOT_FOUND')
    assert.equal((await other.cancel(id)).body.code, 'PAYMENT_NOT_FOUND')
    const anonymous = await client(t).refund(id, {})
    assert.deepEqual([anonymous.status, anonymous.body.message], [401, 'Invalid API token'])
  })

  test('cancel: a pending or processing payment is cancelled and its terminal released; a paid one is not', async () => {
    const pending = (await api.init({ amount: 700 })).body.data.transaction_id
    const cancelled = await api.cancel(pending)
    assert.deepEqual([cancelled.status, cancelled.body.data.status], [200, 'cancelled'])
    assert.equal((await api.cancel(pending)).status, 200, 'cancelling twice answers the same')
    assert.equal(t.events.at(-1)!.name, 'cancelled')

    const processing = (await api.init({ amount: 800 })).body.data.transaction_id
    await api.kaspi(processing, 'kaspi_gold')
    const attempt = lastAttempt()
    assert.equal((await api.cancel(processing)).body.data.status, 'cancelled')
    assert.ok(t.terminals.calls.some((c) => c.op === 'release' && c.attemptId === attempt))
    assert.equal((await api.kaspi(processing, 'kaspi_gold')).body.code, 'PAYMENT_NOT_PAYABLE')

    // The customer had paid while the cancel was on its way: the money is recorded, not lost.
    await t.services.payments.settleAttempt(attempt, t.terminals.pay(attempt, 'Gold', 800))
    assert.equal((await api.get(processing)).body.data.status, 'paid')
    const paid = await api.cancel(processing)
    assert.deepEqual([paid.status, paid.body.code], [409, 'PAYMENT_NOT_CANCELLABLE'])
  })
})

describe('expiry', () => {
  test('payments past expires_at expire (not those holding money) and their terminals are released', async () => {
    const db = await openTestDatabase(paymentsMigrations)
    const clock = manualClock(new Date('2026-01-13T09:30:00Z'))
    const terminals = createFakeTerminalPool()
    const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_LIFETIME_MINUTES: '60' })
    const built = await buildPaymentsApp({ config, db, clock, background: false, overrides: { pool: terminals.pool } })
    try {
      const api = client(built, await built.services.sources.createToken('byfly').then((t) => t.token))
      const created = await api.init({ amount: 50000 })
      assert.equal(created.body.data.expires_at, '2026-01-13 15:30:00', 'an hour later, Kazakhstan time as in the seed')
      const waiting = created.body.data.transaction_id
      const pending = (await api.init({ amount: 100 })).body.data.transaction_id
      const partial = (await api.init({ amount: 1000 })).body.data.transaction_id
      await api.kaspi(waiting, 'kaspi_gold')
      const waitingAttempt = terminals.calls.at(-1)!.attemptId
      await api.kaspi(partial, 'kaspi_gold')
      const partialAttempt = terminals.calls.at(-1)!.attemptId
      await built.services.payments.settleAttempt(partialAttempt, terminals.pay(partialAttempt, 'Gold', 400))
      assert.equal(await built.services.payments.expireDue(), 0, 'nothing is due yet')
      clock.advance(60 * 60_000)
      assert.equal(await built.services.payments.expireDue(), 2)
      assert.equal((await api.get(waiting)).body.data.status, 'expired')
      assert.equal((await api.get(pending)).body.data.status, 'expired')
      assert.equal((await api.get(partial)).body.data.status, 'partially_paid')
      assert.ok(terminals.calls.some((c) => c.op === 'release' && c.attemptId === waitingAttempt))
      assert.equal((await api.kaspi(pending, 'kaspi_gold')).body.code, 'PAYMENT_NOT_PAYABLE')
      assert.equal(await built.services.payments.expireDue(), 0, 'an expired payment expires once')
    } finally {
      await built.app.close()
      await db.close()
    }
  })
})
