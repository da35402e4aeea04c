import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { eventually, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import { admin, paymentEvent, record, startPaymentsForWebhooks } from './webhooks-harness.ts'

/**
 * The outage is 60 s against a retry schedule of 1, 2, 4, then 8 s gaps, with time scaled down 6 times: 10 s of
 * outage against gaps of 1/6 of those. What the test shows depends on the ratio (each event refused several times
 * while the merchant is away, then delivered once on the next gap after it is back), not on the wall-clock length.
 */
const SCALE = 6
const OUTAGE_MS = 60_000 / SCALE
const RETRY_SCHEDULE_MS = [1_000, 2_000, 4_000, ...Array(9).fill(8_000)].map((ms) => Math.round(ms / SCALE))

test('a merchant down for 60 s (time scaled 1:6), then back, gets every event, each webhook-id processed once', {
  timeout: 180_000,
}, async () => {
  // The worker runs as in production (background on); retries come every few seconds instead of minutes.
  const payments = await startPaymentsForWebhooks(
    { PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS: RETRY_SCHEDULE_MS.join(',') },
    { background: true },
  )
  const receiver = await startReferenceWebhookReceiver({
    bodySignature: { header: 'X-Webhook-Signature', secret: 'your_secret_key' },
  })
  try {
    const registered = await admin(payments, 'POST', '/api/admin/webhooks/endpoints', {
      source_id: 1,
      url: receiver.url,
    })
    receiver.state.secret = registered.json().data.secrets[0].secret
    await receiver.stop()
    const events = Array.from({ length: 20 }, (_, i) =>
      paymentEvent(receiver.url, { name: i % 2 ? 'paid' : 'partially_paid', paid: 1_000 + i }),
    )
    // Spread over the outage, as payments settle while the merchant is away.
    for (const event of events) {
      await record(payments, event)
      await sleep(OUTAGE_MS / events.length)
    }
    assert.equal(receiver.state.requests, 0)
    await receiver.start()
    await eventually(async () => receiver.state.processed.length === events.length, 60_000, 'every event delivered')
    const got = new Set(receiver.state.processed.map((p) => (p.json as { transaction_id: string }).transaction_id))
    assert.deepEqual([...got].sort(), events.map((e) => e.transactionId).sort(), 'every event, none lost')
    assert.equal(receiver.state.duplicates, 0, 'each webhook-id processed once')
    assert.deepEqual(receiver.state.refused, [])
    const log = await admin(payments, 'GET', '/api/admin/webhooks/deliveries?limit=100')
    const retried = log.json().data.filter((d: { attempts: unknown[] }) => d.attempts.length > 1)
    assert.ok(retried.length > 0, 'the log shows the refused attempts before the delivery')
  } finally {
    await receiver.stop().catch(() => {})
    await payments.close()
  }
})
