import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createSeatRepository } from '../src/modules/seats/repository.ts'
import { buyers, client, startTickets } from './harness.ts'

/** select_seats as the batcher uses it: many requests in one call, each with its own outcome, in order. */
describe('select_seats batches', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob] = buyers
  before(async () => {
    t = await startTickets()
    api = client(t)
    await api.get('/api/seats?event_id=2&pageSize=1')
    await api.get('/api/seats?event_id=3&pageSize=1')
  })
  after(() => t.close())

  test('one batch: first request for a seat wins, repeats are OK, limits count in request order', async () => {
    const seats = createSeatRepository(t.db)
    const a = await api.createBooking(alice, 2)
    const b = await api.createBooking(bob, 2)
    const results = await seats.selectMany(
      [
        { bookingId: a, seatId: 200_301, userId: alice.id },
        { bookingId: b, seatId: 200_301, userId: bob.id }, // same seat, later in the batch
        { bookingId: a, seatId: 200_301, userId: alice.id }, // repeat of the first
        { bookingId: a, seatId: 200_302, userId: alice.id },
        { bookingId: a, seatId: 200_303, userId: alice.id }, // third seat of a: over the limit of 2
        { bookingId: b, seatId: 200_304, userId: alice.id }, // not alice's booking
        { bookingId: b, seatId: 999_999_999, userId: bob.id },
        { bookingId: 987_654, seatId: 200_305, userId: bob.id },
        { bookingId: b, seatId: 300_001, userId: bob.id }, // a seat of event 3
      ],
      2,
    )
    assert.deepEqual(results, [
      'OK',
      'SEAT_NOT_FREE',
      'OK',
      'OK',
      'TOO_MANY_SEATS',
      'BOOKING_FORBIDDEN',
      'SEAT_NOT_FOUND',
      'BOOKING_NOT_FOUND',
      'SEAT_OF_OTHER_EVENT',
    ])
    const { rows } = await t.db.query<{ seat_id: number; booking_id: number }>(
      'SELECT seat_id, booking_id FROM seat_claim WHERE booking_id = ANY($1::bigint[]) ORDER BY seat_id',
      [[a, b]],
    )
    assert.deepEqual(rows, [
      { seat_id: 200_301, booking_id: a },
      { seat_id: 200_302, booking_id: a },
    ])
  })

  test('concurrent batches over overlapping bookings and seats finish without deadlock, one winner per seat', async () => {
    const seats = createSeatRepository(t.db)
    const bookings = await Promise.all([alice, bob, alice, bob].map((user) => api.createBooking(user, 2)))
    const owners = [alice.id, bob.id, alice.id, bob.id]
    // Each batch walks the bookings and seats in a different order, the classic recipe for a deadlock.
    const batch = (offset: number) =>
      Array.from({ length: 12 }, (_, k) => {
        const j = (k + offset) % bookings.length
        return { bookingId: bookings[j], seatId: 200_401 + ((k * 7 + offset) % 6), userId: owners[j] }
      }).reverse()
    const outcomes = (await Promise.all([0, 1, 2, 3].map((offset) => seats.selectMany(batch(offset), 100)))).flat()
    assert.ok(outcomes.every((o) => o === 'OK' || o === 'SEAT_NOT_FREE'))
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM seat_claim WHERE seat_id BETWEEN 200401 AND 200406',
    )
    assert.equal(rows[0].n, 6)
  })
})
