import assert from 'node:assert/strict'
import { after, before, describe, it, test } from 'node:test'
import { ConfigError, findWebhookEndpointByKey, generateWebhookSecret, systemClock } from '@kokdala/core'
import { eventually, type ReferenceWebhookReceiver, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import { loadPaymentsConfig } from '../src/config.ts'
import { fiscalFeedKey, syncFiscalFeed } from '../src/modules/webhooks/fiscal-feed.ts'
import { adminApi, type E2EPlatform, seedApi, simControl, startE2E, waitForStatus } from './e2e-harness.ts'

// A webhook body as received, read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Payload = any

/**
 * The operator's fiscal feed over HTTP: payments paid through the Kaspi simulator, every event also delivered to
 * the feed's URL and verified there with the configured `whsec_` secret (the reference receiver uses the
 * `standardwebhooks` package), whether or not the merchant asked for webhooks.
 */
describe('fiscal feed: every payment event also goes to PAYMENTS_FISCAL_WEBHOOK_URL, signed with its secret', () => {
  const FEED_SECRET = generateWebhookSecret()
  let platform: E2EPlatform
  let feed: ReferenceWebhookReceiver
  let merchant: ReferenceWebhookReceiver
  let api: ReturnType<typeof seedApi>
  let sim: ReturnType<typeof simControl>

  before(async () => {
    feed = await startReferenceWebhookReceiver({ secret: FEED_SECRET })
    merchant = await startReferenceWebhookReceiver()
    platform = await startE2E({
      terminals: 2,
      env: { PAYMENTS_FISCAL_WEBHOOK_URL: feed.url, PAYMENTS_FISCAL_WEBHOOK_SECRET: FEED_SECRET },
    })
    const admin = adminApi(platform.url)
    const { token, sourceId } = await admin.sourceToken('shop')
    merchant.state.secret = await admin.webhookSecret(sourceId, merchant.url)
    api = seedApi(platform.url, token)
    sim = simControl(platform.sim.url)
  })
  after(async () => {
    await platform?.close()
    await feed?.stop()
    await merchant?.stop()
  })

  const received = async (receiver: ReferenceWebhookReceiver, id: string, count: number): Promise<Payload[]> => {
    const mine = () => receiver.state.processed.filter((p) => (p.json as Payload).transaction_id === id)
    await eventually(async () => mine().length >= count, 15_000, `${count} message(s) of ${id}`)
    assert.deepEqual(receiver.state.refused, [], 'every delivery verified')
    assert.equal(mine().length, count)
    return mine().map((p) => p.json)
  }

  it('a payment without a webhook_url: fiscal still gets its paid event, with the method actually paid with', async () => {
    const created = await api.init({ amount: 20000 })
    const id = created.body.data.transaction_id
    const started = await api.kaspi(id, 'kaspi_gold')
    assert.equal(started.status, 200, JSON.stringify(started.body))
    // Chosen Gold, paid with Red at the terminal: the receipt's payment type follows what was paid.
    await sim.pay(started.body.data.terminal_id, { productType: 'Red' })
    await waitForStatus(api, id, ['paid'])
    const [paid] = await received(feed, id, 1)
    assert.equal(paid.event, 'paid')
    assert.equal(paid.paid_amount, 20000)
    assert.equal(paid.payment_method, 'kaspi_red')
  })

  it('a payment with a webhook_url: merchant and fiscal each get the same body, each signed their own way', async () => {
    const created = await api.init({ amount: 30000, webhook_url: merchant.url })
    const id = created.body.data.transaction_id
    const started = await api.kaspi(id, 'kaspi_gold')
    await sim.pay(started.body.data.terminal_id)
    await waitForStatus(api, id, ['paid'])
    const [toFiscal] = await received(feed, id, 1)
    const [toMerchant] = await received(merchant, id, 1)
    assert.deepEqual(toFiscal, toMerchant)
    assert.equal(toFiscal.payment_method, 'kaspi_gold')
  })

  it('a secret changed in the configuration is rotated in at start; the old one signs beside it for a while', async () => {
    const changed = generateWebhookSecret()
    const { db } = platform.payments
    const url = feed.url
    // What a restart with the new configuration does (its start task calls the same function).
    assert.equal(await syncFiscalFeed(db, { url, secret: changed }, systemClock), true)
    assert.equal(await syncFiscalFeed(db, { url, secret: changed }, systemClock), false)
    const endpoint = await findWebhookEndpointByKey(db, fiscalFeedKey(url))
    assert.equal(endpoint?.secrets[0].secret, changed)
    assert.equal(endpoint?.secrets[0].expiresAt ?? null, null)
    assert.equal(endpoint?.secrets[1].secret, FEED_SECRET)
    assert.ok(endpoint?.secrets[1].expiresAt, 'the previous secret expires')
    // The receiver that switched to the new secret verifies what comes next.
    feed.state.secret = changed
    const created = await api.init({ amount: 10000 })
    const id = created.body.data.transaction_id
    const started = await api.kaspi(id, 'kaspi_gold')
    await sim.pay(started.body.data.terminal_id)
    await waitForStatus(api, id, ['paid'])
    await received(feed, id, 1)
  })
})

test('the feed URL needs a secret, and a bad secret is refused without being quoted', () => {
  assert.throws(
    () => loadPaymentsConfig({ PAYMENTS_FISCAL_WEBHOOK_URL: 'http://127.0.0.1:8082/api/payment-events' }),
    (error: unknown) => error instanceof ConfigError && /PAYMENTS_FISCAL_WEBHOOK_SECRET: required/.test(String(error)),
  )
  const weak = 'whsec_c2hvcnQ='
  assert.throws(
    () =>
      loadPaymentsConfig({
        PAYMENTS_FISCAL_WEBHOOK_URL: 'http://127.0.0.1:8082/api/payment-events',
        PAYMENTS_FISCAL_WEBHOOK_SECRET: weak,
      }),
    (error: unknown) => error instanceof ConfigError && !String(error).includes(weak) && /24–64/.test(String(error)),
  )
  assert.throws(
    () =>
      loadPaymentsConfig({
        PAYMENTS_FISCAL_WEBHOOK_URL: 'ftp://fiscal',
        PAYMENTS_FISCAL_WEBHOOK_SECRET: generateWebhookSecret(),
      }),
    /absolute http\(s\) URL/,
  )
  // A secret alone (the demo profile without fiscal beside payments) sends nothing and is no error.
  assert.equal(
    loadPaymentsConfig({ PAYMENTS_FISCAL_WEBHOOK_SECRET: generateWebhookSecret() }).PAYMENTS_FISCAL_WEBHOOK_URL,
    undefined,
  )
})
