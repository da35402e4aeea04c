import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadTicketsConfig, ticketsProfiles } from '../src/config.ts'
import { buyers, client, startTickets } from './harness.ts'
import { payAtGateway, startPlatform } from './simulators.ts'

const [alice] = buyers

type Started = Awaited<ReturnType<typeof startTickets>>

/** A CONFIRMED booking of these seats of event 2, paid on the test-mode gateway's page. */
async function paidBooking(t: Started, seats: number[]): Promise<number> {
  const api = client(t)
  const booking = await api.createBooking(alice, 2)
  for (const seat of seats) assert.equal((await api.select(alice, booking, seat)).status, 200)
  const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
  assert.equal(initiated.status, 302)
  const page = new URL(String(initiated.headers.location)).pathname
  const callback = new URL(String((await t.app.inject({ method: 'POST', url: `${page}/pay` })).headers.location))
  assert.equal((await api.get(`${callback.pathname}${callback.search}`)).json.booking_status, 'CONFIRMED')
  return booking
}

describe('POST /api/reset is a switch: off by default, public in the HackLoad profile, optionally behind a token', () => {
  test('without RESET_ENABLED a reset is refused with 403 RESET_DISABLED and erases nothing', async () => {
    const t = await startTickets({ RESET_ENABLED: 'false' })
    try {
      const api = client(t)
      const booking = await api.createBooking(alice, 2)
      const reset = await api.post('/api/reset')
      assert.equal(reset.status, 403)
      assert.equal(reset.json.error.code, 'RESET_DISABLED')
      assert.deepEqual(
        (await api.get('/api/bookings', alice)).json.map((b: { id: number }) => b.id),
        [booking],
      )
    } finally {
      await t.close()
    }
  })

  test('kokdala serve leaves it off; the hackload profile and npm start switch it on', () => {
    assert.equal(loadTicketsConfig({}).RESET_ENABLED, false)
    assert.equal(loadTicketsConfig({ ...ticketsProfiles.hackload }).RESET_ENABLED, true)
    assert.equal(loadTicketsConfig({ ...ticketsProfiles.hackload, RESET_ENABLED: 'false' }).RESET_ENABLED, false)
  })

  test('with RESET_TOKEN a reset needs Authorization: Bearer <token>', async () => {
    const token = 'reset-token-0123456789'
    const t = await startTickets({ RESET_TOKEN: token })
    try {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${token}`, token]) {
        const answer = await t.app.inject({
          method: 'POST',
          url: '/api/reset',
          headers: authorization ? { authorization } : {},
        })
        assert.equal(answer.statusCode, 401, String(authorization))
        assert.equal(answer.json().error.code, 'UNAUTHORIZED')
      }
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/reset',
        headers: { authorization: `Bearer ${token}` },
      })
      assert.equal(ok.statusCode, 200)
    } finally {
      await t.close()
    }
  })
})

describe('a reset never drops the record of money that moved', () => {
  test('a paid booking’s payment is archived with its booking and seats before the tables are emptied', async () => {
    const t = await startTickets()
    try {
      const api = client(t)
      const paid = await paidBooking(t, [200_001, 200_002])
      // An unpaid booking: nothing moved, nothing to keep.
      const unpaid = await api.createBooking(alice, 2)
      assert.equal((await api.select(alice, unpaid, 200_003)).status, 200)

      const reset = await api.post('/api/reset')
      assert.equal(reset.status, 200)
      assert.deepEqual(reset.json, { reset: true, archived_payments: 1 })
      assert.deepEqual((await api.get('/api/bookings', alice)).json, [])
      const { rows } = await t.db.query<Record<string, unknown>>(
        'SELECT booking_id, user_id, event_id, booking_status, seat_ids, amount, status FROM payment_archive',
      )
      assert.equal(rows.length, 1)
      assert.deepEqual(rows[0], {
        booking_id: paid,
        user_id: alice.id,
        event_id: 2,
        booking_status: 'CONFIRMED',
        seat_ids: [200_001, 200_002],
        amount: rows[0].amount,
        status: 'PAID',
      })
      assert.ok(Number(rows[0].amount) > 0)
      // A second reset has nothing new to archive and keeps what is there.
      assert.deepEqual((await api.post('/api/reset')).json, { reset: true, archived_payments: 0 })
      assert.equal((await t.db.query('SELECT 1 FROM payment_archive')).rows.length, 1)
    } finally {
      await t.close()
    }
  })
})

describe('money a reset’s bookings still held or owed is settled after it', () => {
  test('an owed refund is made and an open payment form is cancelled by the sagas of the removed bookings', async () => {
    const t = await startTickets()
    try {
      const api = client(t)
      const gatewayStatus = async (bookingPaymentStatus: string) => {
        const { rows } = await t.db.query<{ status: string }>(
          `SELECT g.status FROM payment_archive a JOIN test_gateway_payment g ON g.id = a.gateway_payment_id
           WHERE a.status = $1`,
          [bookingPaymentStatus],
        )
        return rows.map((row) => row.status)
      }
      // A paid booking cancelled in the refund window: the refund is owed when the reset comes.
      const refunded = await paidBooking(t, [200_005])
      assert.equal((await api.patch('/api/bookings/cancel', { booking_id: refunded }, alice)).status, 200)
      // A payment started and never paid: its form is still open at the gateway.
      const abandoned = await api.createBooking(alice, 2)
      assert.equal((await api.select(alice, abandoned, 200_006)).status, 200)
      assert.equal((await api.patch('/api/bookings/initiatePayment', { booking_id: abandoned }, alice)).status, 302)

      assert.deepEqual((await api.post('/api/reset')).json, { reset: true, archived_payments: 2 })
      await t.worker.runDue()
      const { rows } = await t.db.query<{ booking_id: number; status: string }>(
        'SELECT booking_id, status FROM payment_archive ORDER BY booking_id',
      )
      assert.deepEqual(rows, [
        { booking_id: refunded, status: 'REFUNDED' },
        { booking_id: abandoned, status: 'CANCELLED' },
      ])
      assert.deepEqual(await gatewayStatus('REFUNDED'), ['REFUNDED'], 'the buyer got the money back')
      assert.deepEqual(await gatewayStatus('CANCELLED'), ['CANCELLED'], 'the form can no longer be paid')
    } finally {
      await t.close()
    }
  })
})

describe('a reset with the Event Provider wired in', () => {
  test('does not wait for the provider (down here): confirmed places stay SOLD, everything else is FREE', async () => {
    const platform = await startPlatform()
    try {
      const api = client(platform.tickets)
      const seatStatus = async (seatId: number) => {
        const row = Math.floor((seatId - 1) / 1000) + 1
        const listed = await api.get(
          `/api/seats?event_id=1&row=${row}&page=${Math.floor(((seatId - 1) % 1000) / 20) + 1}`,
        )
        return listed.json.find((seat: { id: number }) => seat.id === seatId)?.status
      }
      const sold = await api.createBooking(alice, 1)
      assert.equal((await api.select(alice, sold, 5_001)).status, 200)
      const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: sold }, alice)
      const successUrl = await payAtGateway(String(initiated.headers.location), '4111111111111111')
      const landed = new URL(successUrl)
      assert.equal((await api.get(`${landed.pathname}${landed.search}`)).json.booking_status, 'CONFIRMED')
      const reserved = await api.createBooking(alice, 1)
      assert.equal((await api.select(alice, reserved, 5_002)).status, 200)

      platform.provider.simulator.setFaults({ outage: true })
      const reset = await api.post('/api/reset')
      assert.equal(reset.status, 200, 'the provider being down does not fail the reset')
      assert.equal(await seatStatus(5_001), 'SOLD', 'the provider never gives a confirmed place back')
      assert.equal(await seatStatus(5_002), 'FREE')
      assert.deepEqual((await api.get('/api/bookings', alice)).json, [])
      platform.provider.simulator.resetFaults()
    } finally {
      await platform.close()
    }
  })
})
