import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buyers, client, startTickets } from './harness.ts'

/** Every path that moves seats or money, hit by concurrent duplicates: exactly one transition each time. */
describe('concurrent duplicates', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice] = buyers
  const times = <T>(n: number, fn: () => Promise<T>) => Promise.all(Array.from({ length: n }, fn))

  before(async () => {
    t = await startTickets()
    api = client(t)
  })
  after(() => t.close())

  test('initiatePayment: one payment, one gateway payment, every answer the same Location', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_001)).status, 200)
    const answers = await times(6, () => api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(6).fill(302),
    )
    assert.equal(new Set(answers.map((a) => a.headers.location)).size, 1)
    const payments = await t.db.query('SELECT gateway_order_id FROM payment WHERE booking_id = $1', [booking])
    assert.equal(payments.rows.length, 1)
    const gateway = await t.db.query('SELECT id FROM test_gateway_payment WHERE order_id = $1', [
      (payments.rows[0] as { gateway_order_id: string }).gateway_order_id,
    ])
    assert.equal(gateway.rows.length, 1)
  })

  test('cancel: every duplicate answers 200, the seats are freed once, the saga voids the payment once', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_002)).status, 200)
    await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const answers = await times(6, () => api.patch('/api/bookings/cancel', { booking_id: booking }, alice))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(6).fill(200),
    )
    const claims = await t.db.query('SELECT 1 FROM seat_claim WHERE booking_id = $1', [booking])
    assert.equal(claims.rows.length, 0)
    const jobs = await t.db.query(`SELECT status FROM job WHERE dedupe_key = $1`, [`fulfil:${booking}`])
    assert.equal(jobs.rows.length, 1, 'one saga job however many cancels')
    await t.worker.runDue()
    const voided = await t.db.query(
      `SELECT g.status FROM test_gateway_payment g JOIN payment p ON p.gateway_order_id = g.order_id
       WHERE p.booking_id = $1`,
      [booking],
    )
    assert.deepEqual(voided.rows, [{ status: 'CANCELLED' }])
  })

  test('release: exactly one duplicate frees the seat, the others get 419', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_003)).status, 200)
    const answers = await times(6, () => api.patch('/api/seats/release', { seat_id: 300_003 }, alice))
    const statuses = answers.map((a) => a.status).sort()
    assert.deepEqual(statuses, [200, 419, 419, 419, 419, 419])
  })

  test('select racing cancel never leaves a claim on a cancelled booking', async () => {
    for (let round = 0; round < 5; round++) {
      const booking = await api.createBooking(alice, 3)
      const seats = [300_101 + round * 3, 300_102 + round * 3, 300_103 + round * 3]
      const answers = await Promise.all([
        ...seats.map((seat) => api.select(alice, booking, seat)),
        api.patch('/api/bookings/cancel', { booking_id: booking }, alice),
      ])
      // A select that ran before the cancel succeeded; one that came after it found the booking closed.
      assert.ok(answers.every((a) => a.status === 200 || a.json?.error?.code === 'BOOKING_NOT_EDITABLE'))
      const { rows } = await t.db.query(
        `SELECT c.seat_id FROM seat_claim c JOIN booking b ON b.id = c.booking_id WHERE b.status = 'CANCELLED'`,
      )
      assert.deepEqual(rows, [], `round ${round}`)
    }
  })

  test('payment success delivered many times at once: one capture, seats SOLD once', async () => {
    const booking = await api.createBooking(alice, 3)
    assert.equal((await api.select(alice, booking, 300_201)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const gatewayId = String(initiated.headers.location).split('/').at(-1)
    await t.db.query(`UPDATE test_gateway_payment SET status = 'PAID' WHERE id = $1`, [gatewayId])
    const { rows } = await t.db.query<{ id: number }>('SELECT id FROM payment WHERE booking_id = $1', [booking])
    const answers = await times(8, () => api.get(`/api/payments/success?orderId=${rows[0].id}`))
    assert.ok(answers.every((a) => a.status === 200 && a.json.booking_status === 'CONFIRMED'))
    const sold = await t.db.query(`SELECT status FROM seat_claim WHERE booking_id = $1`, [booking])
    assert.deepEqual(sold.rows, [{ status: 'SOLD' }])
  })
})
