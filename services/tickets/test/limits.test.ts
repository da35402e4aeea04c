import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loadTicketsConfig } from '../src/config.ts'
import { buyers, client, startTickets } from './harness.ts'

/** Issue 8, finding 8: one account could hold a tenth of the stadium and call the hot paths without bound. */
describe('per-user limits', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob, carol] = buyers
  before(async () => {
    t = await startTickets({
      MAX_SEATS_PER_BOOKING: '3',
      MAX_RESERVED_SEATS_PER_USER: '4',
      SELECT_SEAT_LIMIT_PER_MINUTE: '12',
      CREATE_BOOKING_LIMIT_PER_MINUTE: '4',
    })
    api = client(t)
  })
  after(() => t.close())

  test('a user holds at most MAX_RESERVED_SEATS_PER_USER seats of an event; seats given back make room', async () => {
    const [x, y, z] = await Promise.all([2, 2, 3].map((event) => api.createBooking(alice, event)))
    for (const seat of [200_801, 200_802, 200_803]) assert.equal((await api.select(alice, x, seat)).status, 200)
    assert.equal((await api.select(alice, y, 200_804)).status, 200)
    const over = await api.select(alice, y, 200_805)
    assert.equal(over.status, 429)
    assert.equal(over.json.error.code, 'TOO_MANY_RESERVED_SEATS')
    assert.deepEqual(over.json.error.details, { booking_id: y, seat_id: 200_805 })
    assert.equal((await api.select(alice, x, 200_801)).status, 200, 'a repeat at the cap is fine')
    assert.equal((await api.select(alice, z, 300_801)).status, 200, 'another event has its own count')
    assert.equal((await api.patch('/api/seats/release', { seat_id: 200_804 }, alice)).status, 200)
    assert.equal((await api.select(alice, y, 200_805)).status, 200, 'a released seat makes room')
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: x }, alice)).status, 200)
    assert.equal((await api.select(alice, y, 200_806)).status, 200, 'a cancelled booking’s seats make room')
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM seat_claim c JOIN booking b ON b.id = c.booking_id
       WHERE b.user_id = $1 AND b.event_id = 2`,
      [alice.id],
    )
    assert.equal(rows[0].n, 2)
  })

  test('seat selects are limited per user per minute, invalid ones included; other users are not affected', async () => {
    const booking = await api.createBooking(bob, 2)
    for (let i = 0; i < 6; i++) {
      assert.equal((await api.select(bob, booking, 200_901 + (i % 3))).status, 200)
      assert.equal((await api.patch('/api/seats/select', { booking_id: booking, seat_id: 1e20 }, bob)).status, 400)
    }
    const limited = await api.select(bob, booking, 200_901)
    assert.equal(limited.status, 429)
    assert.equal(limited.json.error.code, 'RATE_LIMITED')
    assert.ok(Number(limited.headers['retry-after']) > 0, 'the client is told when to come back')
    const own = await api.createBooking(carol, 2)
    assert.equal((await api.select(carol, own, 200_911)).status, 200, 'another user still selects')
    assert.equal((await api.patch('/api/seats/release', { seat_id: 200_901 }, bob)).status, 200, 'release is free')
  })

  test('booking creations are limited per user per minute', async () => {
    // carol created one booking in the test above.
    for (let i = 0; i < 3; i++) assert.equal((await api.post('/api/bookings', { event_id: 2 }, carol)).status, 201)
    const limited = await api.post('/api/bookings', { event_id: 2 }, carol)
    assert.equal(limited.status, 429)
    assert.equal(limited.json.error.code, 'RATE_LIMITED')
    assert.equal((await api.post('/api/bookings', { event_id: 2 }, bob)).status, 201, 'another user still creates')
  })
})

test('the default limits leave room for the HackLoad booking test', () => {
  // Each of its users runs iterations of: list FREE seats, create a booking, select one seat, sleep 1–3 s; seats are
  // never released and bookings expire after RESERVATION_TIMEOUT_SECONDS.
  const config = loadTicketsConfig({})
  const iterationsPerMinute = 60
  const heldAtOnce = Math.ceil(config.RESERVATION_TIMEOUT_SECONDS / 60) * iterationsPerMinute
  assert.ok(config.CREATE_BOOKING_LIMIT_PER_MINUTE >= 2 * iterationsPerMinute)
  assert.ok(config.SELECT_SEAT_LIMIT_PER_MINUTE >= 2 * iterationsPerMinute)
  assert.ok(config.MAX_OPEN_BOOKINGS_PER_USER >= heldAtOnce)
  assert.ok(config.MAX_RESERVED_SEATS_PER_USER >= heldAtOnce)
  assert.ok(config.MAX_RESERVED_SEATS_PER_USER <= 1_000, 'one account holds at most 1 % of the stadium')
})

test('with the default limits a buyer can pay for the dearest booking there is, three times over', async () => {
  const t = await startTickets()
  try {
    const api = client(t)
    const [alice] = buyers
    // Row 100 of the stadium: 200 000 ₸ a seat, 2 000 000 ₸ for the 10 seats a booking may hold.
    for (const first of [99_001, 99_011, 99_021]) {
      const booking = await api.createBooking(alice, 1)
      for (let seat = first; seat < first + 10; seat++)
        assert.equal((await api.select(alice, booking, seat)).status, 200)
      const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
      assert.equal(initiated.status, 302, `${initiated.status} ${initiated.body}`)
    }
    const fourth = await api.createBooking(alice, 1)
    assert.equal((await api.select(alice, fourth, 99_031)).status, 200)
    const refused = await api.patch('/api/bookings/initiatePayment', { booking_id: fourth }, alice)
    assert.equal(refused.status, 429)
    assert.equal(refused.json.error.code, 'TOO_MANY_UNPAID_PAYMENTS')
  } finally {
    await t.close()
  }
})
