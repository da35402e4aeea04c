import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createHttpTarget } from '@kokdala/core'
import { createProviderClient } from '../src/modules/provider/client.ts'
import { reconcileWithProvider } from '../src/modules/provider/reconcile.ts'
import { buyers, client } from './harness.ts'
import { eventually, type Platform, payAtGateway, startPlatform, TEAM } from './simulators.ts'

const SALES = 1_000
/**
 * A 30 s outage against the saga's retry schedule, the breaker's reset and the buyer's wait on return, with time
 * scaled down 3 times: 10 s of outage, every retry gap, the breaker's reset and the buyer's wait a third of the
 * unscaled run's. What the run shows depends on those ratios (the sagas fail many times through the outage, the
 * schedule outlasts it, then every saga finishes), not on the wall-clock length.
 */
const SCALE = 3
const OUTAGE_MS = 30_000 / SCALE
const OUTAGE_AFTER_SALES = 300
const scaled = (ms: number) => String(Math.round(ms / SCALE))

describe('the Event Provider goes down for 30 s (time scaled 1:3) in the middle of a 1 000-sale run', () => {
  let platform: Platform
  let api: ReturnType<typeof client>

  before(async () => {
    platform = await startPlatform({
      env: {
        // The default schedule rides out ~20 minutes; this one (82 s before scaling) spans the 30 s outage with short
        // gaps, so the test waits seconds, not minutes, after the provider is back.
        SAGA_RETRY_SCHEDULE_MS: [100, 200, 500, 1000, ...Array(40).fill(2000)].map(scaled).join(','),
        EVENT_PROVIDER_TIMEOUT_MS: '1000',
        BREAKER_RESET_MS: scaled(1000),
        // A buyer back from the gateway waits this long for the sale to finish (a third of a second, scaled).
        PAYMENT_SETTLE_TIMEOUT_MS: scaled(1000),
        // Every failed saga attempt during the outage logs a warning; keep the test output readable.
        LOG_LEVEL: 'error',
        // Three accounts make the 1 000 sales, hundreds a minute each: far beyond a person's rate.
        CREATE_BOOKING_LIMIT_PER_MINUTE: '0',
        SELECT_SEAT_LIMIT_PER_MINUTE: '0',
        // Three accounts buy on 16 lanes at once, so one account has up to 16 payments started and not yet paid.
        MAX_UNPAID_PAYMENTS_PER_USER: '16',
      },
    })
    api = client(platform.tickets)
  })
  after(() => platform?.close())

  test('every sale completes after recovery or is cleanly cancelled; provider and Biletter agree on every seat', async () => {
    let completed = 0
    let outage: Promise<void> | undefined
    const selectMs: number[] = []
    const outageSelectMs: number[] = []
    const outcomes: Record<string, number> = {}

    async function sell(index: number) {
      const buyer = buyers[index % buyers.length]
      const seat = 2_001 + index
      const booking = await api.createBooking(buyer, 1)
      const started = performance.now()
      const selected = await api.select(buyer, booking, seat)
      ;(platform.provider.simulator.getFaults().outage ? outageSelectMs : selectMs).push(performance.now() - started)
      assert.equal(selected.status, 200, `select of seat ${seat}: ${selected.body}`)
      const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, buyer)
      assert.equal(initiated.status, 302, `initiatePayment: ${initiated.body}`)
      const landing = await payAtGateway(initiated.headers.location as string, '4111111111111111')
      const returned = await fetch(landing)
      const status = ((await returned.json()) as { booking_status: string }).booking_status
      outcomes[status] = (outcomes[status] ?? 0) + 1
      if (++completed === OUTAGE_AFTER_SALES) {
        platform.provider.simulator.setFaults({ outage: true })
        outage = new Promise((resolve) =>
          setTimeout(() => {
            platform.provider.simulator.setFaults({ outage: false })
            resolve()
          }, OUTAGE_MS),
        )
      }
    }

    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < SALES) await sell(next++)
      }),
    )
    assert.ok(outage, 'the outage happened during the run')
    assert.ok(outageSelectMs.length > 0, 'some selects ran while the provider was down')
    await outage

    // Every booking reaches an end: the sagas retry through the outage and finish once the provider is back.
    const final = await eventually(
      async () => {
        const { rows } = await platform.tickets.db.query<{ status: string; count: number }>(
          'SELECT status, count(*)::int AS count FROM booking GROUP BY status ORDER BY status',
        )
        return rows.every((row) => row.status === 'CONFIRMED' || row.status === 'CANCELLED') && rows
      },
      120_000,
      'every booking to be CONFIRMED or CANCELLED',
    )
    const total = final.reduce((sum, row) => sum + row.count, 0)
    assert.equal(total, SALES)
    const confirmed = final.find((row) => row.status === 'CONFIRMED')?.count ?? 0
    const cancelled = final.find((row) => row.status === 'CANCELLED')?.count ?? 0
    // Cancelled ones must have let go of their seats here; confirmed ones hold exactly their one seat, SOLD.
    const claims = await platform.tickets.db.query<{ status: string; bookings: string; count: number }>(
      `SELECT c.status, b.status AS bookings, count(*)::int AS count FROM seat_claim c JOIN booking b ON b.id = c.booking_id
       GROUP BY 1, 2`,
    )
    assert.deepEqual(
      claims.rows,
      confirmed > 0 ? [{ status: 'SOLD', bookings: 'CONFIRMED', count: confirmed }] : [],
      `cancelled bookings hold no seats (${cancelled} cancelled)`,
    )

    // The provider's projection frees cancelled orders' places a moment later; then both sides agree.
    const http = createHttpTarget({ name: 'reconcile', baseUrl: platform.providerUrl })
    const report = await eventually(
      async () => {
        const r = await reconcileWithProvider(platform.tickets.db, createProviderClient(http))
        return r.placeDifferences.length + r.orderDifferences.length + r.inFlight === 0 && r
      },
      10_000,
      'the reconciliation to report no differences',
    )
    await http.close()
    assert.equal(report.places, 100_000)
    assert.equal(report.orders, SALES)
    console.log(
      `outage run: ${confirmed} confirmed, ${cancelled} cancelled; buyers saw ${JSON.stringify(outcomes)}; ` +
        `select max ${Math.round(Math.max(...selectMs))} ms normally, ${Math.round(Math.max(...outageSelectMs))} ms ` +
        `during the outage (${outageSelectMs.length} selects); reconciliation: 0 differences`,
    )
  })
  test('a slow provider does not slow seat listing or selection: the hot path never calls it', async () => {
    platform.provider.simulator.setFaults({ latencyMs: 5_000 })
    try {
      const [buyer] = buyers
      const started = performance.now()
      const listed = await api.get('/api/seats?event_id=1&page=3&pageSize=20')
      const booking = await api.createBooking(buyer, 1)
      const selected = await api.select(buyer, booking, 90_001)
      const released = await api.patch('/api/seats/release', { seat_id: 90_001 }, buyer)
      const elapsed = performance.now() - started
      assert.deepEqual([listed.status, selected.status, released.status], [200, 200, 200])
      assert.ok(elapsed < 2_500, `list + create + select + release took ${Math.round(elapsed)} ms`)
    } finally {
      platform.provider.simulator.resetFaults()
    }
  })

  test('a saga out of retries ends the booking CANCELLED, frees its seats and voids the held money', async () => {
    // A second tickets instance would need its own provider; instead the outage outlasts a short schedule here.
    platform.provider.simulator.setFaults({ outage: true })
    const [buyer] = buyers
    const booking = await api.createBooking(buyer, 1)
    assert.equal((await api.select(buyer, booking, 95_001)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, buyer)
    await payAtGateway(initiated.headers.location as string, '4111111111111111')
    const payment = await platform.tickets.services.paymentRecords.ofBooking(booking)
    await platform.tickets.services.bookings.recordGatewayStatus(payment!.id, 'AUTHORIZED')
    // Exhaust the saga's retries by hand: mark its job as on its last attempt and let the worker fail it once more.
    await platform.tickets.db.query(`UPDATE job SET attempts = 100, run_at = '-infinity' WHERE dedupe_key = $1`, [
      `fulfil:${booking}`,
    ])
    await eventually(
      async () => (await platform.tickets.services.bookings.statusOf(booking)) === 'CANCELLED',
      10_000,
      'the abandoned booking to be cancelled',
    )
    const seat = await api.get('/api/seats?event_id=1&page=96&pageSize=1&row=96')
    assert.equal(seat.json[0].status, 'FREE')
    const { rows } = await platform.tickets.db.query<{ cancel_reason: string }>(
      'SELECT cancel_reason FROM booking WHERE id = $1',
      [booking],
    )
    assert.match(rows[0].cancel_reason, /^FULFILMENT_FAILED/)
    platform.provider.simulator.resetFaults()
    // The held money is voided at the gateway, never captured.
    const gatewayPaymentId = payment!.gatewayPaymentId!
    await eventually(
      async () => (await gatewayStatus(gatewayPaymentId)) === 'CANCELLED',
      15_000,
      'the authorization to be voided',
    )
  })

  async function gatewayStatus(paymentId: string): Promise<string> {
    const { requestToken } = await import('@kokdala/toleubar')
    const body = { teamSlug: TEAM.teamSlug, paymentId }
    const response = await fetch(`${platform.gatewayUrl}/api/v1/PaymentCheck/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, token: requestToken(body, TEAM.password) }),
    })
    const json = (await response.json()) as { payments: Array<{ status: string }> }
    return json.payments[0].status
  }
})
