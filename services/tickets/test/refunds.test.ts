import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createProviderRepository } from '../src/modules/provider/repository.ts'
import { buyers, client } from './harness.ts'
import { eventually, type Platform, payAtGateway, startPlatform } from './simulators.ts'

/** An active event that starts in 6 hours (Kazakhstan local time, as event times are stored). */
const SOON_EVENT_ID = 4
const LOCAL_OFFSET_MS = 5 * 3_600_000

describe('refunds through the ТөлеуБар gateway', () => {
  let platform: Platform
  let api: ReturnType<typeof client>
  const [buyer] = buyers

  before(async () => {
    platform = await startPlatform()
    api = client(platform.tickets)
    const startsAtLocal = new Date(Date.now() + 6 * 3_600_000 + LOCAL_OFFSET_MS).toISOString().slice(0, 19)
    await platform.tickets.db.query(
      `INSERT INTO event (id, title, description, type, starts_at, provider, archived)
       VALUES ($1, 'Вечерний концерт', 'Скоро начало.', 'concert', $2, 'Билеттер', false)`,
      [SOON_EVENT_ID, startsAtLocal],
    )
  })
  after(() => platform?.close())

  /** A CONFIRMED booking of these seats, paid on the hosted form; returns it with its gateway payment. */
  async function paidBooking(eventId: number, seats: number[]) {
    const booking = await api.createBooking(buyer, eventId)
    for (const seat of seats) assert.equal((await api.select(buyer, booking, seat)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, buyer)
    assert.equal(initiated.status, 302)
    const landed = await fetch(await payAtGateway(initiated.headers.location as string, '4111111111111111'))
    await landed.text()
    await eventually(
      async () => (await platform.tickets.services.bookings.statusOf(booking)) === 'CONFIRMED',
      10_000,
      'the sale to complete',
    )
    const payment = (await platform.tickets.services.paymentRecords.ofBooking(booking))!
    return { booking, gatewayPayment: platform.gateway.paymentGateway.store.get(payment.gatewayPaymentId!)! }
  }

  async function firstSeats(eventId: number, count: number): Promise<number[]> {
    const page = await api.get(`/api/seats?event_id=${eventId}&status=FREE&pageSize=${count}`)
    return page.json.map((seat: { id: number }) => seat.id)
  }

  async function seatStatuses(eventId: number, seats: number[]): Promise<string[]> {
    const statuses: string[] = []
    for (const seat of seats) {
      const { rows } = await platform.tickets.db.query<{ status: string | null }>(
        'SELECT status FROM seat_claim WHERE seat_id = $1 AND event_id = $2',
        [seat, eventId],
      )
      statuses.push(rows[0]?.status ?? 'FREE')
    }
    return statuses
  }

  test('a paid booking cancelled more than 12 h ahead is refunded at the gateway and its seats are FREE', async () => {
    const seats = await firstSeats(2, 2)
    const { booking, gatewayPayment } = await paidBooking(2, seats)
    assert.equal(gatewayPayment.status, 'CONFIRMED')
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
    await eventually(async () => gatewayPayment.status === 'REFUNDED', 10_000, 'the refund at the gateway')
    await eventually(
      async () => (await platform.tickets.services.paymentRecords.ofBooking(booking))?.status === 'REFUNDED',
      5_000,
      'the payment to be recorded REFUNDED',
    )
    assert.deepEqual(await seatStatuses(2, seats), ['FREE', 'FREE'])
    // A second cancel changes nothing and refunds nothing more.
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
    assert.equal(gatewayPayment.status, 'REFUNDED')
  })

  test('a paid booking less than 12 h before the event cannot be cancelled: 419 REFUND_WINDOW_CLOSED, nothing moves', async () => {
    const seats = await firstSeats(SOON_EVENT_ID, 1)
    const { booking, gatewayPayment } = await paidBooking(SOON_EVENT_ID, seats)
    const refused = await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)
    assert.equal(refused.status, 419)
    assert.equal(refused.json.error.code, 'REFUND_WINDOW_CLOSED')
    assert.equal(await platform.tickets.services.bookings.statusOf(booking), 'CONFIRMED')
    assert.deepEqual(await seatStatuses(SOON_EVENT_ID, seats), ['SOLD'])
    await platform.tickets.worker.runDue()
    assert.equal(gatewayPayment.status, 'CONFIRMED', 'the money stays taken')
  })

  test('a refunded event-1 booking gets its money back, but its seats stay taken: the provider order is CONFIRMED', async () => {
    const seats = [61_001, 61_002]
    const { booking, gatewayPayment } = await paidBooking(1, seats)
    const order = (await createProviderRepository(platform.tickets.db).order(booking))!
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CONFIRMED')
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
    await eventually(async () => gatewayPayment.status === 'REFUNDED', 10_000, 'the refund at the gateway')
    assert.deepEqual(await seatStatuses(1, seats), ['SOLD', 'SOLD'], 'never sold twice')
    const select = await api.select(buyer, await api.createBooking(buyer, 1), seats[0])
    assert.equal(select.status, 419)
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CONFIRMED')
  })
})
