import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ReferenceWebhookReceiver, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import type { PaymentsApp } from '../src/app.ts'
import { admin, paymentEvent, record, startPaymentsForWebhooks } from './webhooks-harness.ts'

describe('payment webhooks: what a merchant receives', () => {
  let payments: PaymentsApp & { close(): Promise<void> }
  let receiver: ReferenceWebhookReceiver
  let endpointId: number
  before(async () => {
    payments = await startPaymentsForWebhooks()
    receiver = await startReferenceWebhookReceiver({
      bodySignature: { header: 'X-Webhook-Signature', secret: 'your_secret_key' },
    })
    // The merchant registers its URL first and keeps the Standard Webhooks secret it is shown.
    const registered = await admin(payments, 'POST', '/api/admin/webhooks/endpoints', {
      source_id: 1,
      url: receiver.url,
    })
    assert.equal(registered.statusCode, 200, registered.body)
    endpointId = registered.json().data.endpoint_id
    receiver.state.secret = registered.json().data.secrets[0].secret
    assert.match(receiver.state.secret, /^whsec_/)
  })
  after(async () => {
    await receiver.stop()
    await payments.close()
  })

  it('sends the seed’s payload as exact bytes, verified by `standardwebhooks` and by the seed’s hex signature', async () => {
    const event = paymentEvent(receiver.url)
    await record(payments, event)
    await payments.services.worker.runDue()
    const [got] = receiver.state.processed.filter(
      (p) => (p.json as { transaction_id: string }).transaction_id === event.transactionId,
    )
    assert.ok(got, `delivered; refused: ${JSON.stringify(receiver.state.refused.map((r) => r.reason))}`)
    const body = got.json as Record<string, unknown>
    assert.deepEqual({ ...body, timestamp: 0 }, event.payload, 'field for field the seed’s payload')
    assert.equal(got.headers['x-webhook-event'], 'paid')
    assert.equal(got.headers['x-webhook-timestamp'], String(body.timestamp), 'header and body: one clock read')
    assert.equal(got.headers['user-agent'], 'ByFly-Payment-Center/1.0')
    assert.match(got.body, /Оплата тура в Дубай/, 'Cyrillic as UTF-8, not \\u escapes')
    assert.match(got.body, /https:\/\/example\.kz\/orders/, '`/` not escaped')
    assert.ok(got.headers['webhook-id']?.startsWith('msg_'))
  })

  it('sends one message for a change recorded twice, and one per partial payment', async () => {
    const first = paymentEvent(receiver.url, { name: 'partially_paid', paid: 20_000 })
    const again = { ...first, occurredAt: new Date() }
    const second = { ...first, payload: { ...first.payload, paid_amount: 30_000, actual_amount_received: 30_000 } }
    await record(payments, first)
    await record(payments, again, second)
    await payments.services.worker.runDue()
    const mine = receiver.state.processed.filter(
      (p) => (p.json as { transaction_id: string }).transaction_id === first.transactionId,
    )
    assert.deepEqual(
      mine.map((p) => (p.json as { paid_amount: number }).paid_amount),
      [20_000, 30_000],
    )
    assert.ok(mine.every((p) => p.deliveries === 1))
  })

  it('records nothing for a payment that asked for no webhook', async () => {
    const requestsBefore = receiver.state.requests
    const event = paymentEvent(null)
    await record(payments, event)
    await payments.services.worker.runDue()
    const listed = await admin(payments, 'GET', `/api/admin/webhooks/deliveries?transaction_id=${event.transactionId}`)
    assert.deepEqual(listed.json().data, [])
    assert.equal(receiver.state.requests, requestsBefore)
  })

  it('shows the delivery log with attempts, resends under the same webhook-id, and counts per URL', async () => {
    const event = paymentEvent(receiver.url)
    await record(payments, event)
    await payments.services.worker.runDue()
    const log = await admin(payments, 'GET', `/api/admin/webhooks/deliveries?transaction_id=${event.transactionId}`)
    assert.equal(log.statusCode, 200)
    const [delivery] = log.json().data
    assert.equal(delivery.status, 'delivered')
    assert.equal(delivery.attempts.length, 1)
    assert.equal(delivery.attempts[0].response_status, 200)
    assert.equal(delivery.attempts[0].response_body, 'ok')
    const resent = await admin(payments, 'POST', `/api/admin/webhooks/deliveries/${delivery.id}/resend`)
    assert.equal(resent.statusCode, 200, resent.body)
    await payments.services.worker.runDue()
    const processed = receiver.get(delivery.webhook_id)!
    assert.equal(processed.deliveries, 2, 'the receiver saw the same webhook-id again and did not process it twice')
    const stats = await admin(payments, 'GET', '/api/admin/webhooks/stats')
    const mine = stats.json().data.find((s: { endpoint_id: number }) => s.endpoint_id === endpointId)
    assert.ok(mine.attempts >= 2 && mine.success_rate === 1, JSON.stringify(mine))
  })

  it('rotates the secret with a grace period: old and new both sign until it ends', async () => {
    const oldSecret = receiver.state.secret
    const rotated = await admin(payments, 'POST', `/api/admin/webhooks/endpoints/${endpointId}/rotate`, {
      grace_hours: 24,
    })
    assert.equal(rotated.statusCode, 200, rotated.body)
    const [current, previous] = rotated.json().data.secrets
    assert.notEqual(current.secret, oldSecret)
    assert.equal(previous.secret, oldSecret)
    assert.ok(previous.expires_at)
    // A receiver still on the old secret verifies; one already on the new verifies too.
    for (const secret of [oldSecret, current.secret]) {
      receiver.state.secret = secret
      const event = paymentEvent(receiver.url)
      await record(payments, event)
      await payments.services.worker.runDue()
      assert.ok(
        receiver.state.processed.some(
          (p) => (p.json as { transaction_id: string }).transaction_id === event.transactionId,
        ),
      )
    }
    // Rotating again with no grace: only the newest secret signs from now on.
    const again = await admin(payments, 'POST', `/api/admin/webhooks/endpoints/${endpointId}/rotate`, {
      grace_hours: 0,
    })
    const newest = again.json().data.secrets[0].secret
    receiver.state.secret = current.secret
    const refusedBefore = receiver.state.refused.length
    await record(payments, paymentEvent(receiver.url))
    await payments.services.worker.runDue()
    assert.equal(receiver.state.refused.length, refusedBefore + 1, 'the retired secret no longer verifies')
    receiver.state.secret = newest
  })

  it('refuses the admin API without the token, and hostile ids with a 4xx in the seed’s envelope', async () => {
    const anonymous = await payments.app.inject({ method: 'GET', url: '/api/admin/webhooks/deliveries' })
    assert.equal(anonymous.statusCode, 401)
    assert.equal(anonymous.json().success, false)
    for (const url of [
      '/api/admin/webhooks/deliveries/abc/resend',
      '/api/admin/webhooks/deliveries/99999999999999999999/resend',
      '/api/admin/webhooks/deliveries/424242/resend',
    ]) {
      const answer = await admin(payments, 'POST', url)
      assert.ok(answer.statusCode === 400 || answer.statusCode === 404, `${url}: ${answer.statusCode}`)
      assert.equal(answer.json().success, false)
    }
    const secretOfOther = await admin(payments, 'GET', '/api/admin/webhooks/endpoints/777777/secrets')
    assert.equal(secretOfOther.statusCode, 404)
    const badUrl = await admin(payments, 'POST', '/api/admin/webhooks/endpoints', {
      source_id: 1,
      url: 'http://user:pw@example.com/\u0000',
    })
    assert.equal(badUrl.statusCode, 400)
    const hugeQuery = await admin(payments, 'GET', `/api/admin/webhooks/deliveries?transaction_id=${'A'.repeat(5000)}`)
    assert.equal(hugeQuery.statusCode, 400)
  })
})
