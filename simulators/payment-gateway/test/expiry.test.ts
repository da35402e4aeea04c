import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { checkStatus, initPayment, START, startGateway, startReceiver, submitCard, TEAM } from './helpers.ts'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

function confirm(app: Awaited<ReturnType<typeof startGateway>>['app'], paymentId: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: 't', paymentId },
  })
}

/** A gateway whose webhooks land in a local receiver; the background timer is off so tests drive the sweep. */
async function gatewayWithWebhooks(t: { after: (fn: () => unknown) => void }, authorizationHoldMs?: number) {
  const receiver = await startReceiver()
  t.after(receiver.close)
  const gateway = await startGateway({
    teams: [{ ...TEAM, notificationUrl: receiver.url }],
    expirySweepMs: 0,
    authorizationHoldMs,
  })
  t.after(() => gateway.app.close())
  const expiredWebhooks = async (paymentId: string) => {
    await gateway.app.paymentGateway.webhooks.idle()
    return receiver.received
      .map((message) => JSON.parse(message.raw))
      .filter((body) => body.paymentId === paymentId && body.data.failure_reason === 'EXPIRED')
  }
  return { ...gateway, receiver, expiredWebhooks }
}

test('an AUTHORIZED payment outlives expiresAt but becomes EXPIRED after authorizationHoldMs and cannot be confirmed', async () => {
  const { app, time } = await startGateway({ authorizationHoldMs: 60 * MINUTE, expirySweepMs: 0 })
  const { paymentId } = (await initPayment(app)).json()
  time.now = START + MINUTE
  await submitCard(app, paymentId, '4111111111111111')
  // The 30-minute payment deadline no longer applies once the card is authorised.
  time.now = START + 31 * MINUTE
  assert.equal(await checkStatus(app, paymentId), 'AUTHORIZED')
  // The hold runs from the authorisation, not from the init.
  time.now = START + 61 * MINUTE - 1
  assert.equal(await checkStatus(app, paymentId), 'AUTHORIZED')
  time.now = START + 61 * MINUTE
  assert.equal(await checkStatus(app, paymentId), 'EXPIRED')
  const late = await confirm(app, paymentId)
  assert.equal(late.statusCode, 409)
  assert.equal(late.json().errorCode, '2409')
})

test('by default an authorisation is held for 7 days', async () => {
  const { app, time } = await startGateway({ expirySweepMs: 0 })
  const { paymentId } = (await initPayment(app)).json()
  await submitCard(app, paymentId, '4111111111111111')
  time.now = START + 7 * DAY - 1
  assert.equal(await checkStatus(app, paymentId), 'AUTHORIZED')
  time.now = START + 7 * DAY
  assert.equal(await checkStatus(app, paymentId), 'EXPIRED')
})

test('the sweep expires unread NEW, FORM_SHOWED and AUTHORIZED payments, each with one failed/EXPIRED webhook', async (t) => {
  const { app, time, receiver, expiredWebhooks } = await gatewayWithWebhooks(t, 60 * MINUTE)
  const fresh = (await initPayment(app, { paymentExpiry: 5 })).json().paymentId
  const shown = (await initPayment(app, { paymentExpiry: 10 })).json().paymentId
  await app.inject({ url: `/api/v1/paymentform/render/${shown}` })
  const authorized = (await initPayment(app)).json().paymentId
  await submitCard(app, authorized, '4111111111111111')
  const confirmed = (await initPayment(app)).json().paymentId
  await submitCard(app, confirmed, '4111111111111111')
  await confirm(app, confirmed)

  assert.equal(app.paymentGateway.sweepExpiry(), 0, 'nothing is due yet')
  time.now = START + 5 * MINUTE
  assert.equal(app.paymentGateway.sweepExpiry(), 1)
  time.now = START + 10 * MINUTE
  assert.equal(app.paymentGateway.sweepExpiry(), 1)
  time.now = START + 60 * MINUTE
  assert.equal(app.paymentGateway.sweepExpiry(), 1)
  time.now = START + 30 * DAY
  assert.equal(app.paymentGateway.sweepExpiry(), 0, 'a captured payment never expires')

  for (const paymentId of [fresh, shown, authorized]) {
    const webhooks = await expiredWebhooks(paymentId)
    assert.equal(webhooks.length, 1, paymentId)
    assert.equal(webhooks[0].status, 'failed')
    assert.deepEqual(webhooks[0].data, { event_type: 'payment_failed', failure_reason: 'EXPIRED' })
    assert.equal(webhooks[0].teamSlug, TEAM.teamSlug)
  }
  assert.equal(await checkStatus(app, confirmed), 'CONFIRMED')
  assert.equal(receiver.received.filter((message) => JSON.parse(message.raw).paymentId === confirmed).length, 4)
})

test('a payment expires exactly once, with one webhook, whether the sweep or a read gets there first', async (t) => {
  const { app, time, expiredWebhooks } = await gatewayWithWebhooks(t)
  const sweptFirst = (await initPayment(app)).json().paymentId
  const readFirst = (await initPayment(app)).json().paymentId
  time.now = START + 30 * MINUTE

  assert.equal(await checkStatus(app, readFirst), 'EXPIRED')
  assert.equal(app.paymentGateway.sweepExpiry(), 1, 'only the payment nobody read is left for the sweep')
  assert.equal(await checkStatus(app, sweptFirst), 'EXPIRED')
  assert.equal(await checkStatus(app, readFirst), 'EXPIRED')
  assert.equal(app.paymentGateway.sweepExpiry(), 0)

  assert.equal((await expiredWebhooks(sweptFirst)).length, 1)
  assert.equal((await expiredWebhooks(readFirst)).length, 1)
})

test('the background timer sweeps on its own every expirySweepMs', async (t) => {
  const receiver = await startReceiver()
  t.after(receiver.close)
  const { app, time } = await startGateway({
    teams: [{ ...TEAM, notificationUrl: receiver.url }],
    expirySweepMs: 5,
  })
  t.after(() => app.close())
  const { paymentId } = (await initPayment(app)).json()
  time.now = START + 30 * MINUTE
  // Nobody reads the payment: only the timer can expire it, and the webhook shows it did.
  const expired = () => receiver.received.some((message) => JSON.parse(message.raw).data.failure_reason === 'EXPIRED')
  for (let waited = 0; !expired() && waited < 2000; waited += 10) await delay(10)
  assert.ok(expired(), 'an EXPIRED webhook arrived without any read')
  assert.equal(JSON.parse(receiver.received.at(-1)!.raw).paymentId, paymentId)
})

test('expirySweepMs and authorizationHoldMs must be sane integers', async () => {
  for (const options of [{ expirySweepMs: -1 }, { authorizationHoldMs: 0 }, { authorizationHoldMs: 1.5 }]) {
    await assert.rejects(startGateway(options), /must be an integer/, JSON.stringify(options))
  }
})
