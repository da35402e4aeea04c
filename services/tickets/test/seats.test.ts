import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generatedLayout } from '../src/modules/seats/halls.ts'
import { buyers, client, startTickets } from './harness.ts'

describe('seats', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob] = buyers
  before(async () => {
    t = await startTickets({ MAX_SEATS_PER_BOOKING: '3' })
    api = client(t)
  })
  after(() => t.close())

  test('lists seats in row/number order with a decimal price string and paging', async () => {
    const layout = generatedLayout(2)
    const first = await api.get('/api/seats?event_id=2&page=1&pageSize=3')
    assert.equal(first.status, 200)
    assert.deepEqual(first.json, [
      { id: 200_001, row: 1, number: 1, status: 'FREE', price: first.json[0].price },
      { id: 200_002, row: 1, number: 2, status: 'FREE', price: first.json[0].price },
      { id: 200_003, row: 1, number: 3, status: 'FREE', price: first.json[0].price },
    ])
    assert.match(first.json[0].price, /^\d+\.\d{2}$/)
    assert.equal(first.json[0].price, `${Number(layout.rowPrices[0] / 100n)}.00`)
    const second = await api.get('/api/seats?event_id=2&page=2&pageSize=3')
    assert.equal(second.json[0].id, 200_004)
    const lastRow = await api.get(`/api/seats?event_id=2&row=${layout.rows}&pageSize=20`)
    assert.ok(lastRow.json.every((s: { row: number }) => s.row === layout.rows))
    assert.equal((await api.get('/api/seats?event_id=2')).json.length, 20, 'default pageSize is the maximum, 20')
  })

  test('event 1 is the 100 000-seat stadium priced by row', async () => {
    const rowOne = await api.get('/api/seats?event_id=1&row=1&page=1&pageSize=1')
    assert.deepEqual(rowOne.json, [{ id: 1, row: 1, number: 1, status: 'FREE', price: '40000.00' }])
    const last = await api.get('/api/seats?event_id=1&row=100&page=50&pageSize=20')
    assert.deepEqual(last.json.at(-1), { id: 100_000, row: 100, number: 1000, status: 'FREE', price: '200000.00' })
    const analytics = await api.get('/api/analytics?id=1')
    assert.equal(analytics.json.total_seats, 100_000)
  })

  test('bad parameters are 400, unknown events 404, archive events have no seats', async () => {
    for (const query of [
      '',
      'event_id=x',
      'event_id=2&pageSize=21',
      'event_id=2&page=0',
      'event_id=2&status=BUSY',
      'event_id=2&row=0',
    ]) {
      const response = await api.get(`/api/seats?${query}`)
      assert.equal(response.status, 400, query)
      assert.equal(response.json.error.code, 'VALIDATION_FAILED')
    }
    assert.equal((await api.get('/api/seats?event_id=999')).json.error.code, 'EVENT_NOT_FOUND')
    const archived = await api.get('/api/seats?event_id=100000')
    assert.equal(archived.status, 404)
    assert.equal(archived.json.error.code, 'EVENT_HAS_NO_SEATING')
  })

  test('select reserves a free seat; the status filter and the booking list show it', async () => {
    const booking = await api.createBooking(alice, 2)
    const selected = await api.select(alice, booking, 200_010)
    assert.equal(selected.status, 200)
    const reserved = await api.get('/api/seats?event_id=2&status=RESERVED')
    assert.deepEqual(
      reserved.json.map((s: { id: number }) => s.id),
      [200_010],
    )
    const free = await api.get('/api/seats?event_id=2&status=FREE&page=1&pageSize=20')
    assert.ok(!free.json.some((s: { id: number }) => s.id === 200_010))
    const mine = await api.get('/api/bookings', alice)
    assert.deepEqual(
      mine.json.find((b: { id: number }) => b.id === booking),
      {
        id: booking,
        event_id: 2,
        status: 'CREATED',
        seats: [{ id: 200_010 }],
      },
    )
  })

  test('ownership is checked before state: another user gets 403, even for a seat that is not free', async () => {
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, booking, 200_020)).status, 200)
    const intruder = await api.select(bob, booking, 200_020)
    assert.equal(intruder.status, 403)
    assert.equal(intruder.json.error.code, 'BOOKING_FORBIDDEN')
    const release = await api.patch('/api/seats/release', { seat_id: 200_020 }, bob)
    assert.equal(release.status, 403)
    assert.equal(release.json.error.code, 'SEAT_FORBIDDEN')
    const cancel = await api.patch('/api/bookings/cancel', { booking_id: booking }, bob)
    assert.equal(cancel.status, 403)
  })

  test('a seat that is not FREE is a 419, and the loser’s booking stays empty', async () => {
    const winner = await api.createBooking(alice, 2)
    const loser = await api.createBooking(bob, 2)
    assert.equal((await api.select(alice, winner, 200_030)).status, 200)
    const conflict = await api.select(bob, loser, 200_030)
    assert.equal(conflict.status, 419)
    assert.equal(conflict.json.error.code, 'SEAT_NOT_FREE')
    assert.equal(conflict.json.error.message, 'The seat is not free', 'the catalogue’s wording, not the code')
    const bobs = await api.get('/api/bookings', bob)
    assert.deepEqual(bobs.json.find((b: { id: number }) => b.id === loser).seats, [])
  })

  test('release makes the seat FREE at once, so it can be selected again', async () => {
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, booking, 200_035)).status, 200)
    assert.equal((await api.patch('/api/seats/release', { seat_id: 200_035 }, alice)).status, 200)
    const again = await api.patch('/api/seats/release', { seat_id: 200_035 }, alice)
    assert.equal(again.status, 419)
    assert.equal(again.json.error.code, 'SEAT_NOT_RESERVED')
    const other = await api.createBooking(bob, 2)
    assert.equal((await api.select(bob, other, 200_035)).status, 200)
  })

  test('unknown ids are 404; a seat of another event is 419', async () => {
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, 987_654, 200_050)).json.error.code, 'BOOKING_NOT_FOUND')
    assert.equal((await api.select(alice, booking, 999)).status, 419, 'seat 999 belongs to event 1')
    assert.equal((await api.select(alice, booking, 999)).json.error.code, 'SEAT_OF_OTHER_EVENT')
    assert.equal((await api.select(alice, booking, 55_555_555)).json.error.code, 'SEAT_NOT_FOUND')
    assert.equal((await api.patch('/api/seats/release', { seat_id: 55_555_555 }, alice)).status, 404)
    assert.equal((await api.patch('/api/seats/select', { booking_id: booking }, alice)).status, 400)
  })

  test('the seats-per-booking limit is a clear 429', async () => {
    const booking = await api.createBooking(alice, 2)
    for (const seat of [200_201, 200_202, 200_203]) assert.equal((await api.select(alice, booking, seat)).status, 200)
    const fourth = await api.select(alice, booking, 200_204)
    assert.equal(fourth.status, 429)
    assert.equal(fourth.json.error.code, 'TOO_MANY_SEATS')
    assert.equal((await api.select(alice, booking, 200_203)).status, 200, 'repeating a select at the limit is fine')
  })

  test('concurrent duplicate selects of one seat into one booking count once', async () => {
    const booking = await api.createBooking(alice, 2)
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.select(alice, booking, 200_301)))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(8).fill(200),
    )
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM seat_claim WHERE booking_id = $1',
      [booking],
    )
    assert.equal(rows[0].n, 1)
  })

  test('concurrent buyers racing for the same seats: exactly one winner per seat', async () => {
    const seatIds = [200_101, 200_102, 200_103]
    const racers = await Promise.all(buyers.map((user) => api.createBooking(user, 2).then((id) => ({ user, id }))))
    const attempts = racers.flatMap(({ user, id }) => seatIds.map((seat) => api.select(user, id, seat)))
    const statuses = (await Promise.all(attempts)).map((a) => a.status)
    assert.equal(statuses.filter((s) => s === 200).length, seatIds.length)
    assert.ok(statuses.every((s) => s === 200 || s === 419))
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(DISTINCT booking_id)::int AS n FROM seat_claim WHERE seat_id = ANY($1::bigint[]) GROUP BY seat_id',
      [seatIds],
    )
    assert.ok(rows.every((r) => r.n === 1))
  })

  test('FREE listing without a page gives each buyer a different window of truly free seats', async () => {
    const lists = await Promise.all(
      Array.from({ length: 10 }, () => api.get('/api/seats?event_id=1&status=FREE&pageSize=5')),
    )
    for (const list of lists) {
      assert.equal(list.status, 200)
      assert.ok(list.json.length <= 5 && list.json.length > 0)
      assert.ok(list.json.every((s: { status: string }) => s.status === 'FREE'))
      assert.equal(new Set(list.json.map((s: { id: number }) => s.id)).size, list.json.length)
    }
    const firsts = new Set(lists.map((l) => l.json[0].id))
    assert.ok(firsts.size >= 9, `10 buyers got only ${firsts.size} distinct first seats`)
  })
})
