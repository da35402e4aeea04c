import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyWebhookSignature } from '@kokdala/toleubar'
import { initPayment, signed, startGateway, startReceiver, submitCard, TEAM } from './helpers.ts'

test('webhooks go to the team notificationUrl, signed over the raw body, with the status/data mapping', async (t) => {
  const receiver = await startReceiver()
  t.after(receiver.close)
  const { app } = await startGateway({
    teams: [{ ...TEAM, notificationUrl: receiver.url, webhookSecret: 'whsec' }],
    webhookBackoffMs: 5,
  })
  t.after(() => app.close())
  const { paymentId } = (await initPayment(app, { orderId: 'wh-1' })).json()
  await app.inject({ url: `/api/v1/paymentform/render/${paymentId}`, headers: { 'user-agent': 'test-browser' } })
  await app.paymentGateway.webhooks.idle()
  await submitCard(app, paymentId, '4111111111111111')
  await app.paymentGateway.webhooks.idle()
  await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: 'x', paymentId },
  })
  await app.paymentGateway.webhooks.idle()
  await app.inject({ method: 'POST', url: '/api/v1/PaymentCancel/cancel', payload: signed({ paymentId }) })
  await app.paymentGateway.webhooks.idle()

  const bodies = receiver.received.map((message) => JSON.parse(message.raw))
  assert.deepEqual(
    bodies.map((body) => body.status),
    ['NEW', 'FORM_SHOWED', 'AUTHORIZED', 'completed', 'REFUNDED'],
  )
  for (const message of receiver.received) {
    assert.equal(verifyWebhookSignature('whsec', message.raw, message.headers['x-webhook-signature']), true)
    assert.equal(message.headers['user-agent'], 'PaymentGateway-Webhook/1.0')
    assert.match(message.headers['x-webhook-delivery'] as string, /^[0-9a-f-]{36}$/)
    assert.ok(message.headers['x-webhook-event'])
  }
  const [created, formShowed, , completed] = bodies
  assert.equal(created.paymentId, paymentId)
  assert.equal(created.teamSlug, TEAM.teamSlug)
  assert.deepEqual(Object.keys(created.data).sort(), ['status_name', 'transition_timestamp'])
  assert.equal(formShowed.data.event_type, 'form_showed')
  assert.equal(formShowed.data.order_id, 'wh-1')
  assert.equal(formShowed.data.amount, 4000000)
  assert.equal(formShowed.data.user_agent, 'test-browser')
  assert.deepEqual(completed.data, { event_type: 'payment_completed' })
  assert.equal(receiver.received[3].headers['x-webhook-event'], 'payment_status_change')
})

test('a failed payment is reported as status "failed" with its failure_reason; no signature without a secret', async (t) => {
  const receiver = await startReceiver()
  t.after(receiver.close)
  const { app } = await startGateway({ teams: [{ ...TEAM, notificationUrl: receiver.url }] })
  t.after(() => app.close())
  const { paymentId } = (await initPayment(app)).json()
  await app.paymentGateway.webhooks.idle()
  await submitCard(app, paymentId, '4000000000000002')
  await app.paymentGateway.webhooks.idle()
  const last = receiver.received.at(-1)!
  assert.deepEqual(JSON.parse(last.raw).data, { event_type: 'payment_failed', failure_reason: 'REJECTED' })
  assert.equal(JSON.parse(last.raw).status, 'failed')
  assert.equal(last.headers['x-webhook-signature'], undefined)
})

test('a delivery answered with 500 is retried with backoff until a 2xx, with the same delivery id and body', async (t) => {
  const receiver = await startReceiver([500, 503])
  t.after(receiver.close)
  const { app } = await startGateway({
    teams: [{ ...TEAM, notificationUrl: receiver.url, webhookSecret: 's' }],
    webhookBackoffMs: 10,
  })
  t.after(() => app.close())
  const started = Date.now()
  const init = await initPayment(app)
  // The API answer does not wait for the webhook.
  assert.equal(init.statusCode, 200)
  await app.paymentGateway.webhooks.idle()
  assert.ok(Date.now() - started >= 30, 'waited 10 ms then 20 ms between attempts')
  assert.equal(receiver.received.length, 3)
  const ids = new Set(receiver.received.map((message) => message.headers['x-webhook-delivery']))
  assert.equal(ids.size, 1)
  assert.equal(new Set(receiver.received.map((message) => message.raw)).size, 1)
  const attempts = app.paymentGateway.webhooks.attempts()
  assert.deepEqual(
    attempts.map((attempt) => attempt.status),
    [500, 503, 200],
  )
})

test('delivery gives up after webhookRetryAttempts retries', async (t) => {
  const receiver = await startReceiver([500, 500, 500, 500, 500])
  t.after(receiver.close)
  const { app } = await startGateway({
    teams: [{ ...TEAM, notificationUrl: receiver.url, webhookRetryAttempts: 2 }],
    webhookBackoffMs: 1,
  })
  t.after(() => app.close())
  await initPayment(app)
  await app.paymentGateway.webhooks.idle()
  assert.equal(receiver.received.length, 3)
})

test('duplicateWebhooks fault: each webhook is POSTed N times with the same body bytes, delivery id and signature', async (t) => {
  const receiver = await startReceiver()
  t.after(receiver.close)
  const { app } = await startGateway({ teams: [{ ...TEAM, notificationUrl: receiver.url, webhookSecret: 'whsec' }] })
  t.after(() => app.close())
  const set = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { duplicateWebhooks: 5 } })
  assert.equal(set.json().duplicateWebhooks, 5)

  const { paymentId } = (await initPayment(app)).json()
  await app.paymentGateway.webhooks.idle()
  assert.equal(receiver.received.length, 5)
  assert.equal(new Set(receiver.received.map((message) => message.raw)).size, 1)
  assert.equal(new Set(receiver.received.map((message) => message.headers['x-webhook-delivery'])).size, 1)
  assert.equal(new Set(receiver.received.map((message) => message.headers['x-webhook-signature'])).size, 1)
  for (const message of receiver.received) {
    assert.equal(verifyWebhookSignature('whsec', message.raw, message.headers['x-webhook-signature']), true)
    assert.equal(JSON.parse(message.raw).paymentId, paymentId)
  }
  assert.deepEqual(
    app.paymentGateway.webhooks
      .attempts()
      .map((attempt) => attempt.copy)
      .sort(),
    [1, 2, 3, 4, 5],
  )

  // Back to one copy: the next transition is delivered once, under a new delivery id.
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { duplicateWebhooks: 1 } })
  await app.inject({ url: `/api/v1/paymentform/render/${paymentId}` })
  await app.paymentGateway.webhooks.idle()
  assert.equal(receiver.received.length, 6)
  assert.notEqual(
    receiver.received[5].headers['x-webhook-delivery'],
    receiver.received[0].headers['x-webhook-delivery'],
  )
})

test('duplicateWebhooks must be an integer from 1 to 100', async () => {
  const { app } = await startGateway()
  for (const duplicateWebhooks of [0, 101, 2.5]) {
    const response = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { duplicateWebhooks } })
    assert.equal(response.statusCode, 400, String(duplicateWebhooks))
  }
})
