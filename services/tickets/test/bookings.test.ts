import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generatedLayout } from '../src/modules/seats/halls.ts'
import { basic, buyers, client, startTickets } from './harness.ts'

describe('bookings and payments', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob] = buyers

  /** Follows the test gateway's page: pressing a button redirects (303) to our success or fail callback. */
  async function decide(location: string, decision: 'pay' | 'decline') {
    const path = new URL(location).pathname
    const page = await t.app.inject({ method: 'GET', url: path })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Оплатить/)
    const pressed = await t.app.inject({
      method: 'POST',
      url: `${path}/${decision}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    assert.equal(pressed.statusCode, 303)
    return new URL(String(pressed.headers.location))
  }

  async function bookedWithSeats(user: (typeof buyers)[number], seats: number[], eventId = 2) {
    const id = await api.createBooking(user, eventId)
    for (const seat of seats) assert.equal((await api.select(user, id, seat)).status, 200)
    return id
  }

  async function seatStatus(seatId: number) {
    const { rows } = await t.db.query<{ status: string }>(
      `SELECT COALESCE(c.status, 'FREE') AS status FROM seat s LEFT JOIN seat_claim c ON c.seat_id = s.id WHERE s.id = $1`,
      [seatId],
    )
    return rows[0].status
  }

  before(async () => {
    t = await startTickets({ MAX_OPEN_BOOKINGS_PER_USER: '50', RESERVATION_TIMEOUT_SECONDS: '600' })
    api = client(t)
  })
  after(() => t.close())

  test('create answers 201 {id}; unknown or archived events are 404; bad bodies 400', async () => {
    const created = await api.post('/api/bookings', { event_id: 2 }, alice)
    assert.equal(created.status, 201)
    assert.equal(typeof created.json.id, 'number')
    assert.equal((await api.post('/api/bookings', { event_id: 424242 }, alice)).status, 404)
    assert.equal((await api.post('/api/bookings', { event_id: 100000 }, alice)).status, 404)
    assert.equal((await api.post('/api/bookings', { event: 2 }, alice)).status, 400)
    assert.equal((await api.post('/api/bookings', undefined, alice)).status, 400)
  })

  test('an Idempotency-Key makes create safe to retry', async () => {
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/bookings',
        headers: {
          authorization: basic(bob),
          'idempotency-key': 'k-1',
        },
        payload: { event_id: 2 },
      })
    const answers = await Promise.all([send(), send(), send()])
    // A duplicate that arrives while the first is still in flight is told to retry (409 + Retry-After); every
    // other answer is the one booking.
    const created = answers.filter((a) => a.statusCode === 201)
    assert.ok(created.length >= 1)
    for (const busy of answers.filter((a) => a.statusCode !== 201)) {
      assert.equal(busy.statusCode, 409)
      assert.equal(busy.json().error.code, 'IDEMPOTENCY_IN_PROGRESS')
      assert.equal(busy.headers['retry-after'], '1')
    }
    const retried = await send()
    assert.equal(retried.statusCode, 201)
    assert.equal(new Set([...created, retried].map((a) => a.json().id)).size, 1)
  })

  test('the whole purchase: initiatePayment → 302 to the payment page → pay → success → CONFIRMED and SOLD', async () => {
    const booking = await bookedWithSeats(alice, [200_005, 200_006])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(initiated.status, 302)
    const location = String(initiated.headers.location)
    const again = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(again.headers.location, location, 'a repeat returns the same payment page')
    assert.equal((await api.select(alice, booking, 200_007)).status, 419, 'seats are frozen once payment starts')

    const { rows } = await t.db.query<{ amount: number }>('SELECT amount FROM payment WHERE booking_id = $1', [booking])
    assert.equal(rows[0].amount, Number(generatedLayout(2).rowPrices[0] * 2n), 'two row-1 seats of event 2')

    const callback = await decide(location, 'pay')
    assert.equal(callback.pathname, '/api/payments/success')
    const success = await api.get(`${callback.pathname}${callback.search}`)
    assert.equal(success.status, 200)
    assert.equal(success.json.booking_status, 'CONFIRMED')
    assert.equal(await seatStatus(200_005), 'SOLD')
    assert.equal(await seatStatus(200_006), 'SOLD')
    const analytics = await api.get('/api/analytics?id=2')
    assert.equal(analytics.json.sold_seats, 2)
    assert.equal(analytics.json.total_revenue, (rows[0].amount / 100).toFixed(2))
  })

  test('the payment amount is the sum of the seat prices in tiyn', async () => {
    const booking = await bookedWithSeats(alice, [1, 20_001], 1)
    await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const { rows } = await t.db.query<{ amount: number }>('SELECT amount FROM payment WHERE booking_id = $1', [booking])
    assert.equal(rows[0].amount, (40_000 + 80_000) * 100, 'row 1 (40 000 ₸) + row 21 (80 000 ₸)')
  })

  test('decline → fail callback → booking cancelled and seats FREE again', async () => {
    const booking = await bookedWithSeats(alice, [200_008])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const callback = await decide(String(initiated.headers.location), 'decline')
    assert.equal(callback.pathname, '/api/payments/fail')
    const fail = await api.get(`${callback.pathname}${callback.search}`)
    assert.equal(fail.json.booking_status, 'CANCELLED')
    assert.equal(await seatStatus(200_008), 'FREE')
  })

  test('duplicated and out-of-order callbacks give exactly one transition', async () => {
    const booking = await bookedWithSeats(alice, [200_009])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const location = String(initiated.headers.location)
    const orderId = new URL((await decide(location, 'pay')).href).searchParams.get('orderId')
    // A forged fail callback arrives first and repeatedly: the gateway says PAID, so nothing is cancelled.
    const storm = await Promise.all([
      api.get(`/api/payments/fail?orderId=${orderId}`),
      api.get(`/api/payments/success?orderId=${orderId}`),
      api.get(`/api/payments/success?orderId=${orderId}`),
      api.post('/api/payments/notifications', { paymentId: location.split('/').at(-1), status: 'CONFIRMED' }),
    ])
    assert.ok(storm.every((r) => r.status === 200))
    // Browser callbacks wait for the sale to finish; the webhook is acknowledged as soon as it is recorded.
    assert.deepEqual(
      storm.slice(0, 3).map((r) => r.json.booking_status),
      ['CONFIRMED', 'CONFIRMED', 'CONFIRMED'],
    )
    assert.equal(storm[3].json.received, true)
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM payment WHERE booking_id = $1', [booking])
    assert.deepEqual(rows, [{ status: 'PAID' }])
  })

  test('a success callback before the buyer paid changes nothing', async () => {
    const booking = await bookedWithSeats(alice, [200_011])
    await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const { rows } = await t.db.query<{ id: number }>('SELECT id FROM payment WHERE booking_id = $1', [booking])
    const early = await api.get(`/api/payments/success?orderId=${rows[0].id}`)
    assert.equal(early.json.booking_status, 'PAYMENT_INITIATED')
    assert.equal(await seatStatus(200_011), 'RESERVED')
    assert.equal((await api.get('/api/payments/success?orderId=999999')).status, 404)
    assert.equal((await api.get('/api/payments/success')).status, 400)
  })

  test('initiatePayment needs a seat, an owner and an editable booking', async () => {
    const empty = await api.createBooking(alice, 2)
    const noSeats = await api.patch('/api/bookings/initiatePayment', { booking_id: empty }, alice)
    assert.equal(noSeats.status, 419)
    assert.equal(noSeats.json.error.code, 'BOOKING_EMPTY')
    assert.equal((await api.patch('/api/bookings/initiatePayment', { booking_id: empty }, bob)).status, 403)
    assert.equal((await api.patch('/api/bookings/initiatePayment', { booking_id: 999_999 }, alice)).status, 404)
  })

  test('cancel frees the seats, is idempotent, and voids the unpaid payment at the gateway', async () => {
    const booking = await bookedWithSeats(alice, [200_012])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, alice)).status, 200)
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, alice)).status, 200)
    assert.equal(await seatStatus(200_012), 'FREE')
    await t.worker.runDue()
    const gatewayId = String(initiated.headers.location).split('/').at(-1)
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM test_gateway_payment WHERE id = $1', [
      gatewayId,
    ])
    assert.deepEqual(rows, [{ status: 'CANCELLED' }])
  })

  test('a paid booking is refunded on cancel up to 12 h before the event, and not after', async () => {
    const booking = await bookedWithSeats(alice, [200_013])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const callback = await decide(String(initiated.headers.location), 'pay')
    await api.get(`${callback.pathname}${callback.search}`)
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, alice)).status, 200)
    assert.equal(await seatStatus(200_013), 'FREE')
    await t.worker.runDue()
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM payment WHERE booking_id = $1', [booking])
    assert.deepEqual(rows, [{ status: 'REFUNDED' }])

    const late = await bookedWithSeats(alice, [200_014])
    const started = await api.patch('/api/bookings/initiatePayment', { booking_id: late }, alice)
    const back = await decide(String(started.headers.location), 'pay')
    await api.get(`${back.pathname}${back.search}`)
    // Event 2 starts 2030-10-25T19:45 local (UTC+5); 11 hours before is inside the cut-off.
    t.clock.set(new Date('2030-10-25T03:45:00Z'))
    const refused = await api.patch('/api/bookings/cancel', { booking_id: late }, alice)
    assert.equal(refused.status, 419)
    assert.equal(refused.json.error.code, 'REFUND_WINDOW_CLOSED')
    assert.equal(await seatStatus(200_014), 'SOLD')
    t.clock.set(new Date('2030-01-01T12:00:00Z'))
  })

  test('unpaid bookings expire after the reservation timeout and free their seats', async () => {
    const booking = await bookedWithSeats(bob, [200_015])
    assert.equal(await t.services.bookings.expireDue(), 0)
    t.clock.advance(601_000)
    assert.ok((await t.services.bookings.expireDue()) >= 1)
    assert.equal(await seatStatus(200_015), 'FREE')
    const mine = await api.get('/api/bookings', bob)
    assert.equal(mine.json.find((b: { id: number }) => b.id === booking).status, 'CANCELLED')
  })

  test('a payment that arrives after its booking expired is refunded automatically', async () => {
    const booking = await bookedWithSeats(bob, [200_016])
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, bob)
    t.clock.advance(601_000)
    await t.services.bookings.expireDue()
    const location = String(initiated.headers.location)
    const gatewayId = location.split('/').at(-1)
    // The buyer pays at the very last moment, before the void reaches the gateway.
    await t.db.query(`UPDATE test_gateway_payment SET status = 'PAID' WHERE id = $1`, [gatewayId])
    const { rows } = await t.db.query<{ id: number }>('SELECT id FROM payment WHERE booking_id = $1', [booking])
    const late = await api.get(`/api/payments/success?orderId=${rows[0].id}`)
    assert.equal(late.json.booking_status, 'CANCELLED')
    await t.worker.runDue()
    const refunded = await t.db.query<{ status: string }>('SELECT status FROM test_gateway_payment WHERE id = $1', [
      gatewayId,
    ])
    assert.deepEqual(refunded.rows, [{ status: 'REFUNDED' }])
  })

  test('the open-bookings limit stops one user from hoarding, with a clear error', async () => {
    const limited = await startTickets({ MAX_OPEN_BOOKINGS_PER_USER: '2' })
    try {
      const local = client(limited)
      const keyed = await limited.app.inject({
        method: 'POST',
        url: '/api/bookings',
        headers: { authorization: basic(alice), 'idempotency-key': 'first' },
        payload: { event_id: 2 },
      })
      await local.createBooking(alice, 2)
      const third = await local.post('/api/bookings', { event_id: 2 }, alice)
      assert.equal(third.status, 429)
      assert.equal(third.json.error.code, 'TOO_MANY_OPEN_BOOKINGS')
      const replay = await limited.app.inject({
        method: 'POST',
        url: '/api/bookings',
        headers: { authorization: basic(alice), 'idempotency-key': 'first' },
        payload: { event_id: 2 },
      })
      assert.equal(replay.statusCode, 201, 'a replay at the limit still returns its booking')
      assert.equal(replay.json().id, keyed.json().id)
    } finally {
      await limited.close()
    }
  })

  test('reset restores every seat to FREE, removes bookings, and never reuses ids', async () => {
    const before = await bookedWithSeats(bob, [200_017])
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/reset',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(reset.statusCode, 200)
    assert.deepEqual((await api.get('/api/bookings', bob)).json, [])
    assert.equal((await api.get('/api/seats?event_id=2&status=RESERVED')).json.length, 0)
    const analytics = await api.get('/api/analytics?id=2')
    assert.equal(analytics.json.free_seats, analytics.json.total_seats)
    assert.equal(analytics.json.bookings_count, 0)
    const after = await api.createBooking(bob, 2)
    assert.ok(after > before, `booking id ${after} must be new after reset (last was ${before})`)
  })
})
