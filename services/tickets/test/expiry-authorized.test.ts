import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Queryable } from '@kokdala/core'
import { createBookingService } from '../src/modules/bookings/service.ts'
import { createEventSchedule } from '../src/modules/events/schedule.ts'
import type { PaymentRecords } from '../src/modules/payments/records.ts'
import { buyers, client, startTickets } from './harness.ts'

/**
 * The expiry sweep reads the payments module's AUTHORIZED bookings, then locks its candidates, then asks again under
 * those locks (docs/adr/0005-one-owner-per-table.md). These tests pin both reads: a booking whose money is held is
 * never expired, even when it was authorised after the first read.
 */
describe('the expiry sweep leaves bookings whose payment is AUTHORIZED to their saga', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const [alice, bob] = buyers

  before(async () => {
    t = await startTickets()
    api = client(t)
  })
  after(() => t.close())

  /** A booking of one event-2 seat with its payment started; `authorize` records the gateway holding the money. */
  async function startedPayment(user: (typeof buyers)[number], seatId: number, { authorize = false } = {}) {
    const booking = await api.createBooking(user, 2)
    assert.equal((await api.select(user, booking, seatId)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, user)
    assert.equal(initiated.status, 302)
    const payment = (await t.services.paymentRecords.ofBooking(booking))!
    if (authorize) await t.services.bookings.recordGatewayStatus(payment.id, 'AUTHORIZED')
    return booking
  }

  async function states(booking: number) {
    const payment = await t.services.paymentRecords.ofBooking(booking)
    return { booking: await t.services.bookings.statusOf(booking), payment: payment?.status }
  }

  test('an authorised booking past its time stays PAYMENT_INITIATED; an unpaid one beside it expires', async () => {
    const held = await startedPayment(alice, 200_101, { authorize: true })
    const unpaid = await startedPayment(bob, 200_102)
    t.clock.advance(3_600_000)
    assert.equal(await t.services.bookings.expireDue(), 1)
    assert.deepEqual(await states(held), { booking: 'PAYMENT_INITIATED', payment: 'AUTHORIZED' })
    assert.deepEqual(await states(unpaid), { booking: 'CANCELLED', payment: 'CANCELLED' })
  })

  test('a booking authorised after the sweep’s first read is found by the second, under the booking lock', async () => {
    const held = await startedPayment(alice, 200_103, { authorize: true })
    t.clock.advance(3_600_000)
    // The first read misses the authorisation, as when it commits between that read and the sweep's lock.
    const late = (records: PaymentRecords): PaymentRecords => ({
      ...records,
      in: (tx: Queryable) => late(records.in(tx)),
      authorizedBookings: (ids?: number[]) =>
        ids === undefined ? Promise.resolve([]) : records.authorizedBookings(ids),
    })
    // Only the sweep is called: the limits below are never consulted.
    const sweep = createBookingService({
      db: t.db,
      clock: t.clock,
      events: t.services.events,
      schedule: createEventSchedule(t.db),
      seats: t.services.seats,
      claims: t.services.claims,
      payments: late(t.services.paymentRecords),
      gateway: t.services.gateway,
      publicUrl: t.services.settings.publicUrl,
      reservationTimeoutMs: t.services.settings.reservationTimeoutMs,
      maxOpenBookingsPerUser: 1,
      refundCutoffHours: 12,
      providerBacked: () => false,
      maxUnpaidPaymentsPerUser: 1,
      maxUnpaidAmountPerUser: t.services.settings.maxUnpaidAmountPerUser,
    })
    assert.equal(await sweep.expireDue(), 0)
    assert.deepEqual(await states(held), { booking: 'PAYMENT_INITIATED', payment: 'AUTHORIZED' })
  })
})
