import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createProviderRepository } from '../src/modules/provider/repository.ts'
import { buyers, client } from './harness.ts'
import { eventually, type Platform, payAtGateway, startPlatform } from './simulators.ts'

/**
 * The saga when one side fails for good or for long: the deployed gateway's cancel that never works, a hold that
 * is gone by the time we capture, a gateway outage after the provider has confirmed.
 */
describe('a booking saga whose gateway leg fails', () => {
  let platform: Platform
  let api: ReturnType<typeof client>
  const [buyer] = buyers
  let nextSeat = 80_001

  before(async () => {
    platform = await startPlatform({
      env: {
        SAGA_RETRY_SCHEDULE_MS: '100,200,300',
        BREAKER_RESET_MS: '200',
        PAYMENT_SETTLE_TIMEOUT_MS: '0',
        // Failed attempts are the point here; keep the output readable.
        LOG_LEVEL: 'fatal',
      },
    })
    api = client(platform.tickets)
  })
  after(() => platform?.close())

  const gatewayFaults = () => platform.gateway.paymentGateway.faults
  const providerOrders = () => createProviderRepository(platform.tickets.db)

  /** A booking of two event-1 seats whose provider order is SUBMITTED, paid at the gateway (AUTHORIZED) or not. */
  async function submittedBooking({ pay }: { pay: boolean }) {
    const seats = [nextSeat++, nextSeat++]
    const booking = await api.createBooking(buyer, 1)
    for (const seat of seats) assert.equal((await api.select(buyer, booking, seat)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, buyer)
    assert.equal(initiated.status, 302)
    if (pay) await payAtGateway(initiated.headers.location as string, '4111111111111111')
    const order = await eventually(
      async () => {
        const order = await providerOrders().order(booking)
        return order?.status === 'SUBMITTED' && order
      },
      10_000,
      'the provider order to be submitted',
    )
    const payment = (await platform.tickets.services.paymentRecords.ofBooking(booking))!
    return {
      booking,
      seats,
      order,
      payment,
      gatewayPayment: platform.gateway.paymentGateway.store.get(payment.gatewayPaymentId!)!,
    }
  }

  function formUrl(paymentId: string): string {
    return `${platform.gatewayUrl}/api/v1/paymentform/render/${paymentId}`
  }

  /** The first number a /metrics line matching `pattern` carries, 0 when absent. */
  async function metric(pattern: RegExp): Promise<number> {
    const text = (await api.get('/metrics')).body
    return Number(text.match(pattern)?.[1] ?? 0)
  }

  async function seatStatus(seat: number): Promise<string> {
    const row = Math.ceil(seat / 1000)
    const page = await api.get(`/api/seats?event_id=1&row=${row}&page=${((seat - 1) % 1000) + 1}&pageSize=1`)
    return page.json[0].status
  }

  async function bookingRow(booking: number) {
    const { rows } = await platform.tickets.db.query<{ status: string; cancel_reason: string | null }>(
      'SELECT status, cancel_reason FROM booking WHERE id = $1',
      [booking],
    )
    return rows[0]
  }

  test('with the deployed gateway’s cancel (always 401), a cancelled booking still gets its provider order cancelled', async () => {
    const { booking, seats, order, gatewayPayment } = await submittedBooking({ pay: false })
    gatewayFaults().cancelBroken = true
    try {
      assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
      await eventually(
        async () => (await platform.providerOrder(order.orderId)).status === 'CANCELLED',
        10_000,
        'the provider order to be cancelled although the void fails',
      )
      for (const seat of seats) assert.equal(await seatStatus(seat), 'FREE')
      // The void keeps failing, visibly, and is retried; the payment itself is still open at the gateway. The void
      // is called after the provider's cancel, so its failure is recorded a moment after the order shows cancelled.
      const lastError = await eventually(
        async () => {
          const { rows } = await platform.tickets.db.query<{ last_error: string | null }>(
            'SELECT last_error FROM job WHERE dedupe_key = $1',
            [`fulfil:${booking}`],
          )
          return rows[0].last_error ?? false
        },
        10_000,
        'the failed void recorded on the job',
      )
      assert.match(lastError, /Authentication failed|refused|ТөлеуБар/)
      assert.notEqual(gatewayPayment.status, 'CANCELLED')
    } finally {
      gatewayFaults().cancelBroken = false
    }
    // Once the gateway can cancel again, the retried void goes through.
    await eventually(async () => gatewayPayment.status === 'CANCELLED', 10_000, 'the retried void')
  })

  test('a cancelled booking’s unpaid form, shown or not, is cancelled at the gateway at once', async () => {
    // "Where the gateway allows": the simulator, like the gateway's intended code, cancels NEW and FORM_SHOWED
    // payments; the deployed one cannot (test above), and then the form expires with the reservation window.
    for (const render of [false, true]) {
      const { booking, gatewayPayment } = await submittedBooking({ pay: false })
      if (render) assert.equal((await fetch(formUrl(gatewayPayment.paymentId))).status, 200)
      assert.equal(gatewayPayment.status, render ? 'FORM_SHOWED' : 'NEW')
      assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
      await eventually(async () => gatewayPayment.status === 'CANCELLED', 5_000, 'the unpaid form to be cancelled')
    }
  })

  test('a buyer who pays a cancelled booking’s form (cancel broken) is told the money will be returned, and it is', async () => {
    const { booking, payment, gatewayPayment } = await submittedBooking({ pay: false })
    const deadBefore = await metric(/^jobs_dead_total\{[^}]*kind="booking.fulfil"[^}]*\} (\d+)$/m)
    gatewayFaults().cancelBroken = true
    try {
      assert.equal((await api.patch('/api/bookings/cancel', { booking_id: booking }, buyer)).status, 200)
      // The void fails, so the form can still be paid, and the buyer pays it and comes back.
      const landed = await payAtGateway(formUrl(gatewayPayment.paymentId), '4111111111111111')
      assert.equal(gatewayPayment.status, 'AUTHORIZED')
      const answer = await (await fetch(landed)).json()
      assert.deepEqual(answer, {
        order_id: payment.id,
        booking_status: 'CANCELLED',
        payment_status: 'REFUND_PENDING',
        message: 'The booking is cancelled; the money you paid will be returned',
      })
      // The saga runs out of retries (100, 200, 300 ms) again and again, yet never gives up on the held money.
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      const { rows } = await platform.tickets.db.query<{ status: string }>(
        'SELECT status FROM job WHERE dedupe_key = $1',
        [`fulfil:${booking}`],
      )
      assert.equal(rows[0].status, 'pending', 'the void is still being retried')
      assert.ok((await metric(/^jobs_failed_total\{[^}]*kind="booking.fulfil"[^}]*\} (\d+)$/m)) > 0)
      assert.ok((await metric(/^jobs_dead_total\{[^}]*kind="booking.fulfil"[^}]*\} (\d+)$/m)) > deadBefore)
      assert.equal(gatewayPayment.status, 'AUTHORIZED')
    } finally {
      gatewayFaults().cancelBroken = false
    }
    // The gateway can cancel again: the void goes through, the hold is released.
    await eventually(async () => gatewayPayment.status === 'CANCELLED', 10_000, 'the held money to be returned')
    const after = await (await fetch(`${platform.ticketsUrl}/api/payments/success?orderId=${payment.id}`)).json()
    assert.equal(after.payment_status, 'NOT_CHARGED', 'the hold is released: nothing was taken')
  })

  test('a hold that is gone when we capture ends the booking at once, seats kept out: the provider confirmed them', async () => {
    const { booking, seats, order, payment, gatewayPayment } = await submittedBooking({ pay: true })
    // The callback saw AUTHORIZED; by the time the saga captures, the hold has expired at the gateway.
    await platform.tickets.services.bookings.recordGatewayStatus(payment.id, 'AUTHORIZED')
    platform.gateway.paymentGateway.store.transition(gatewayPayment, 'EXPIRED')
    await eventually(
      async () => (await bookingRow(booking)).status === 'CANCELLED',
      3_000,
      'the booking to be cancelled without waiting out the retries',
    )
    assert.match((await bookingRow(booking)).cancel_reason ?? '', /^PAYMENT_FAILED/)
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CONFIRMED')
    // A confirmed provider order never gives its places back: they must not be sold again here.
    for (const seat of seats) assert.equal(await seatStatus(seat), 'SOLD')
    assert.equal(gatewayPayment.status, 'EXPIRED', 'nothing was captured')
  })

  test('a gateway outage after the provider confirmed never voids tickets we own: the capture lands once it is back', async () => {
    const { booking, seats, order, payment, gatewayPayment } = await submittedBooking({ pay: true })
    gatewayFaults().outage = true
    try {
      await platform.tickets.services.bookings.recordGatewayStatus(payment.id, 'AUTHORIZED')
      await eventually(
        async () => (await providerOrders().order(booking))?.status === 'CONFIRMED',
        10_000,
        'the provider order to be confirmed',
      )
      // Use up the saga's retries while the gateway is still down.
      await platform.tickets.db.query(`UPDATE job SET attempts = 100, run_at = '-infinity' WHERE dedupe_key = $1`, [
        `fulfil:${booking}`,
      ])
      await eventually(
        async () => {
          const { rows } = await platform.tickets.db.query<{ attempts: number }>(
            'SELECT attempts FROM job WHERE dedupe_key = $1',
            [`fulfil:${booking}`],
          )
          return rows[0].attempts < 100
        },
        5_000,
        'the saga to give up and start a fresh round',
      )
      assert.equal((await bookingRow(booking)).status, 'PAYMENT_INITIATED', 'the booking is not abandoned')
      for (const seat of seats) assert.equal(await seatStatus(seat), 'RESERVED')
      assert.equal(gatewayPayment.status, 'AUTHORIZED', 'the hold is not voided')
    } finally {
      gatewayFaults().outage = false
    }
    await eventually(
      async () => (await bookingRow(booking)).status === 'CONFIRMED',
      10_000,
      'the sale to complete once the gateway is back',
    )
    assert.equal(gatewayPayment.status, 'CONFIRMED')
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CONFIRMED')
    for (const seat of seats) assert.equal(await seatStatus(seat), 'SOLD')
  })
})
