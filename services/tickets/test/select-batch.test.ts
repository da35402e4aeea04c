import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createSeatRepository } from '../src/modules/seats/repository.ts'
import { buyers, client, startTickets } from './harness.ts'

/** select_seats as the batcher uses it: many requests in one call, each with its own outcome, in order. */
describe('select_seats batches', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob, carol] = buyers
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

  test('the per-user cap counts held seats per event in order; repeats pass at the cap; paid seats do not count', async () => {
    const seats = createSeatRepository(t.db)
    const [a, b, paid] = await Promise.all([2, 2, 2].map((event) => api.createBooking(carol, event)))
    const c = await api.createBooking(carol, 3)
    // A paid booking's seats are SOLD: bought, not held.
    assert.deepEqual(
      await seats.selectMany(
        [200_601, 200_602, 200_603].map((seatId) => ({ bookingId: paid, seatId, userId: carol.id })),
        10,
        3,
      ),
      ['OK', 'OK', 'OK'],
    )
    await t.db.query(`UPDATE booking SET status = 'CONFIRMED' WHERE id = $1`, [paid])
    await t.db.query(`UPDATE seat_claim SET status = 'SOLD' WHERE booking_id = $1`, [paid])
    const taken = await api.createBooking(alice, 2)
    assert.deepEqual(await seats.selectMany([{ bookingId: taken, seatId: 200_638, userId: alice.id }], 10), ['OK'])
    // select_seats works through a batch in seat order: the seats below rise in request order to keep it readable.
    const results = await seats.selectMany(
      [
        { bookingId: a, seatId: 200_611, userId: carol.id },
        { bookingId: b, seatId: 200_612, userId: carol.id },
        { bookingId: a, seatId: 200_613, userId: carol.id }, // third held seat of carol for event 2: the cap
        { bookingId: b, seatId: 200_614, userId: carol.id }, // fourth: over the cap, though b has room
        { bookingId: a, seatId: 200_611, userId: carol.id }, // a repeat at the cap
        { bookingId: c, seatId: 300_611, userId: carol.id }, // another event: its own count
        { bookingId: b, seatId: 200_638, userId: carol.id }, // not free: the cap is checked first, as TOO_MANY_SEATS
      ],
      10,
      3,
    )
    assert.deepEqual(results, ['OK', 'OK', 'OK', 'TOO_MANY_RESERVED_SEATS', 'OK', 'OK', 'TOO_MANY_RESERVED_SEATS'])
    // A seat given back makes room again, in a later batch.
    await t.db.query('DELETE FROM seat_claim WHERE seat_id = 200612')
    assert.deepEqual(await seats.selectMany([{ bookingId: b, seatId: 200_614, userId: carol.id }], 10, 3), ['OK'])
  })

  test('concurrent batches of one user into different bookings never hold more than the cap', async () => {
    const seats = createSeatRepository(t.db)
    const bookings = await Promise.all(Array.from({ length: 8 }, () => api.createBooking(bob, 3)))
    const { rows: before } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM seat_claim c JOIN booking b ON b.id = c.booking_id
       WHERE b.user_id = $1 AND b.event_id = 3 AND c.status = 'RESERVED'`,
      [bob.id],
    )
    assert.equal(before[0].n, 0)
    // Eight batches at once, each filling its own booking: without the user's lock each would see room for all.
    const outcomes = (
      await Promise.all(
        bookings.map((bookingId, k) =>
          seats.selectMany(
            Array.from({ length: 10 }, (_, j) => ({
              bookingId,
              seatId: 300_000 + (9 + k) * 100 + j + 1,
              userId: bob.id,
            })),
            100,
            25,
          ),
        ),
      )
    ).flat()
    assert.equal(outcomes.filter((o) => o === 'OK').length, 25)
    assert.equal(outcomes.filter((o) => o === 'TOO_MANY_RESERVED_SEATS').length, 55)
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM seat_claim WHERE booking_id = ANY($1::bigint[])',
      [bookings],
    )
    assert.equal(rows[0].n, 25)
  })
})
