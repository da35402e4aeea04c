import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { signWebhook } from '@kokdala/toleubar'
import { buyers, client } from './harness.ts'
import { eventually, type Platform, payAtGateway, startPlatform, TEAM, WEBHOOK_SECRET } from './simulators.ts'

describe('gateway webhooks: signed, idempotent, order-independent', () => {
  let platform: Platform
  let api: ReturnType<typeof client>
  const [alice] = buyers

  before(async () => {
    // The gateway also delivers its own signed webhooks (FORM_SHOWED, AUTHORIZED, completed) to tickets. The
    // stadium's first row is hall enough for these sales: loading all 100 000 places would be most of the run.
    platform = await startPlatform({ webhooks: true, provider: { places: { rows: 1, seatsPerRow: 1_000 } } })
    api = client(platform.tickets)
  })
  after(() => platform?.close())

  /** A booking of event 1 paid at the gateway (AUTHORIZED) whose buyer has not come back yet. */
  async function paidBooking(seats: number[]) {
    const booking = await api.createBooking(alice, 1)
    for (const seat of seats) assert.equal((await api.select(alice, booking, seat)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(initiated.status, 302)
    const paymentUrl = initiated.headers.location as string
    const successUrl = await payAtGateway(paymentUrl, '4111111111111111')
    return { booking, paymentId: paymentUrl.split('/').pop()!, successUrl }
  }

  function webhook(paymentId: string, status: string, secret = WEBHOOK_SECRET) {
    const body = JSON.stringify({
      paymentId,
      status,
      teamSlug: TEAM.teamSlug,
      timestamp: new Date().toISOString(),
      data: { transition_timestamp: new Date().toISOString(), status_name: status },
    })
    return fetch(`${platform.ticketsUrl}/api/payments/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-signature': signWebhook(secret, body) },
      body,
    })
  }

  /** Waits until the buyer sees the booking CONFIRMED. */
  function confirmed(booking: number, what: string) {
    return eventually(
      async () =>
        (await api.get('/api/bookings', alice)).json.find((b: { id: number }) => b.id === booking)?.status ===
        'CONFIRMED',
      10_000,
      what,
    )
  }

  function callCount(target: string, operation: string): number {
    const stats = platform.tickets.outbound.find((t) => t.name === target)!.stats()
    return Object.values(stats[operation] ?? {}).reduce((sum, n) => sum + n, 0)
  }

  test('5 webhooks racing the browser callback: one transition, one capture, one provider confirm', async () => {
    const capturesBefore = callCount('payment-gateway', 'confirm')
    const confirmsBefore = callCount('event-provider', 'confirmOrder')
    const { booking, paymentId, successUrl } = await paidBooking([21, 22])
    const deliveries = [
      () => webhook(paymentId, 'AUTHORIZED'),
      () => webhook(paymentId, 'completed'),
      () => fetch(successUrl),
      () => webhook(paymentId, 'AUTHORIZED'),
      () => webhook(paymentId, 'FORM_SHOWED'),
      () => webhook(paymentId, 'AUTHORIZED'),
    ]
    const answers = await Promise.all(deliveries.map((deliver) => deliver()))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(deliveries.length).fill(200),
    )
    await Promise.all(answers.map((a) => a.text()))
    await confirmed(booking, 'the booking to be confirmed')
    // Late duplicates, after the sale is done, change nothing.
    await Promise.all([webhook(paymentId, 'completed'), webhook(paymentId, 'AUTHORIZED'), fetch(successUrl)])
    await platform.tickets.worker.runDue()
    assert.equal(callCount('payment-gateway', 'confirm') - capturesBefore, 1, 'exactly one capture')
    assert.equal(callCount('event-provider', 'confirmOrder') - confirmsBefore, 1, 'exactly one provider confirm')
    const { rows } = await platform.tickets.db.query<{ status: string }>(
      'SELECT status FROM seat_claim WHERE booking_id = $1',
      [booking],
    )
    assert.deepEqual(
      rows.map((r) => r.status),
      ['SOLD', 'SOLD'],
    )
  })

  test('the buyer never comes back: the gateway’s own webhooks complete the sale', async () => {
    const { booking } = await paidBooking([23])
    await confirmed(booking, 'the booking to be confirmed by webhook alone')
  })

  test('the gateway itself delivers every webhook 5 times, racing the browser callback: one capture, one confirm', async () => {
    const capturesBefore = callCount('payment-gateway', 'confirm')
    const confirmsBefore = callCount('event-provider', 'confirmOrder')
    platform.gateway.paymentGateway.faults.duplicateWebhooks = 5
    try {
      const { booking, paymentId, successUrl } = await paidBooking([25, 26])
      // The AUTHORIZED webhook's five copies are on their way; the buyer's browser lands at the same time.
      const landed = await fetch(successUrl)
      assert.equal(landed.status, 200)
      await landed.text()
      await confirmed(booking, 'the booking to be confirmed')
      // The capture makes the gateway send "completed", five times too; every copy of every webhook is answered 200.
      await platform.gateway.paymentGateway.webhooks.idle()
      const answered = platform.gateway.paymentGateway.webhooks
        .attempts()
        .filter((a) => JSON.parse(a.body).paymentId === paymentId)
        .map((a) => `${JSON.parse(a.body).status}:${a.status}`)
      for (const status of ['AUTHORIZED', 'completed']) {
        assert.equal(answered.filter((a) => a === `${status}:200`).length, 5, `five ${status} copies: ${answered}`)
      }
      await platform.tickets.worker.runDue()
      assert.equal(callCount('payment-gateway', 'confirm') - capturesBefore, 1, 'exactly one capture')
      assert.equal(callCount('event-provider', 'confirmOrder') - confirmsBefore, 1, 'exactly one provider confirm')
    } finally {
      platform.gateway.paymentGateway.faults.duplicateWebhooks = 1
    }
  })

  test('a webhook with a wrong or missing signature, or with re-serialised bytes, is only a hint: 200, no state shown', async () => {
    const booking = await api.createBooking(alice, 1)
    assert.equal((await api.select(alice, booking, 24)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    const paymentId = (initiated.headers.location as string).split('/').pop()!
    // Never trusted anyway (the gateway is asked), so an unproven notification is acknowledged and re-checked;
    // the answer does not tell an unproven sender the booking's status.
    const forged = await webhook(paymentId, 'AUTHORIZED', 'not-the-secret')
    assert.equal(forged.status, 200)
    assert.deepEqual(await forged.json(), { received: true })
    const unsigned = await fetch(`${platform.ticketsUrl}/api/payments/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paymentId, status: 'AUTHORIZED' }),
    })
    assert.equal(unsigned.status, 200)
    assert.deepEqual(await unsigned.json(), { received: true })
    // Re-serialised JSON (different bytes, same data) is not the gateway's signed delivery either.
    const body = JSON.stringify({ paymentId, status: 'AUTHORIZED' })
    const reformatted = await fetch(`${platform.ticketsUrl}/api/payments/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-signature': signWebhook(WEBHOOK_SECRET, body) },
      body: JSON.stringify(JSON.parse(body), null, 2),
    })
    assert.equal(reformatted.status, 200)
    assert.deepEqual(await reformatted.json(), { received: true })
    // The gateway says the buyer has not paid: none of them changed anything.
    assert.equal(await platform.tickets.services.bookings.statusOf(booking), 'PAYMENT_INITIATED')
    const genuine = await webhook(paymentId, 'NEW')
    assert.equal(genuine.status, 200, 'the same delivery signed over its exact bytes is accepted')
    assert.deepEqual(await genuine.json(), { received: true, booking_status: 'PAYMENT_INITIATED' })
  })
})
