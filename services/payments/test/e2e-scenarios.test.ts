import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { eventually, type ReferenceWebhookReceiver, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import { adminApi, type E2EPlatform, seedApi, simControl, startE2E, waitForStatus } from './e2e-harness.ts'

const SECRET = 'your_secret_key_for_hmac'

// A webhook body as received, read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Payload = any

/**
 * The seed's scenarios 1–5 end to end (issue 10, must-be-true 1): the HTTP API with a source's X-API-Token, the
 * real terminal pool over HTTP to the Kaspi simulator, whose control API plays the customer, and the webhooks as
 * the reference receiver gets them, verified with `standardwebhooks` and the seed's hex X-Webhook-Signature.
 */
describe('e2e: the seed’s scenarios 1–5 over HTTP, Kaspi simulator, signed webhooks', () => {
  let platform: E2EPlatform
  let receiver: ReferenceWebhookReceiver
  let api: ReturnType<typeof seedApi>
  let sim: ReturnType<typeof simControl>

  before(async () => {
    platform = await startE2E({ terminals: 4 })
    receiver = await startReferenceWebhookReceiver({ bodySignature: { header: 'X-Webhook-Signature', secret: SECRET } })
    const admin = adminApi(platform.url)
    const { token, sourceId } = await admin.sourceToken('byfly')
    assert.equal(token.length, 64)
    receiver.state.secret = await admin.webhookSecret(sourceId, receiver.url)
    api = seedApi(platform.url, token)
    sim = simControl(platform.sim.url)
  })
  after(async () => {
    await platform?.close()
    await receiver?.stop()
  })

  async function create(amount: number, extra: object = {}): Promise<string> {
    const answer = await api.init({ amount, webhook_url: receiver.url, webhook_secret: SECRET, ...extra })
    assert.equal(answer.status, 201, JSON.stringify(answer.body))
    assert.equal(answer.body.data.status, 'pending')
    return answer.body.data.transaction_id
  }

  async function kaspi(id: string, method: string) {
    const answer = await api.kaspi(id, method)
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.match(answer.body.data.payment_url, /^https:\/\/pay\.kaspi\.kz\/pay\//)
    assert.match(answer.body.data.qr_code, /^https:\/\/qr\.kaspi\.kz\//)
    return answer.body.data
  }

  /** The webhooks the receiver processed for a payment, once `count` of them have arrived. */
  async function webhooks(id: string, count: number): Promise<Payload[]> {
    const mine = () => receiver.state.processed.filter((p) => (p.json as Payload).transaction_id === id)
    await eventually(async () => mine().length >= count, 15_000, `${count} webhook(s) of ${id}`)
    assert.deepEqual(receiver.state.refused, [], 'every delivery verified (standardwebhooks + hex signature)')
    const got = mine()
    assert.equal(got.length, count, 'no more webhooks than changes')
    for (const p of got) {
      assert.equal(p.headers['x-webhook-event'], (p.json as Payload).event)
      assert.match(p.headers['x-webhook-signature'], /^[0-9a-f]{64}$/)
    }
    return got.map((p) => p.json)
  }

  it('scenario 1: Gold 50 000 paid in full → paid 50 000, remaining 0, and a paid webhook echoing the metadata', async () => {
    const id = await create(50000, { description: 'Оплата тура в Дубай #12345', metadata: { order_id: '12345' } })
    const started = await kaspi(id, 'kaspi_gold')
    assert.deepEqual(
      [started.amount, started.original_amount, started.commission_amount, started.commission_percent],
      [50000, 50000, 0, 0],
    )
    assert.equal((await api.status(id)).body.data.status, 'processing')
    await sim.pay(started.terminal_id)
    const status = await waitForStatus(api, id, ['paid', 'partially_paid', 'failed'])
    assert.deepEqual(
      [status.status, status.amount, status.paid_amount, status.remaining_amount],
      ['paid', 50000, 50000, 0],
    )
    const [hook] = await webhooks(id, 1)
    assert.deepEqual(
      [hook.event, hook.status, hook.paid_amount, hook.remaining_amount, hook.description],
      ['paid', 'paid', 50000, 0, 'Оплата тура в Дубай #12345'],
    )
    assert.deepEqual(hook.metadata, { order_id: '12345' })
    assert.ok(hook.paid_at)
  })

  it('scenario 2: credit on 50 000 asks 57 000 (14 % on top); paid by credit → paid 57 000, 50 000 received', async () => {
    const id = await create(50000)
    const started = await kaspi(id, 'kaspi_kredit')
    assert.deepEqual(
      [started.amount, started.original_amount, started.commission_amount, started.commission_percent],
      [57000, 50000, 7000, 14],
    )
    await sim.pay(started.terminal_id, { productType: 'Credit', loanTerm: 12 })
    const status = await waitForStatus(api, id, ['paid', 'partially_paid', 'failed'])
    assert.deepEqual(
      [status.status, status.amount, status.original_amount, status.paid_amount, status.remaining_amount],
      ['paid', 57000, 50000, 57000, 0],
    )
    assert.equal(status.actual_amount_received, 50000)
    const [hook] = await webhooks(id, 1)
    assert.deepEqual(
      [hook.event, hook.amount, hook.original_amount, hook.paid_amount, hook.remaining_amount],
      ['paid', 57000, 50000, 57000, 0],
    )
  })

  it('scenario 3: Gold chosen, 100 000 paid by credit → 87 719 / 12 281 partially_paid; a Gold top-up of 12 281 → paid', async () => {
    const id = await create(100000)
    const first = await kaspi(id, 'kaspi_gold')
    assert.equal(first.amount, 100000)
    await sim.pay(first.terminal_id, { productType: 'Credit', loanTerm: 12, amount: 100000 })
    const partial = await waitForStatus(api, id, ['paid', 'partially_paid', 'failed'])
    assert.deepEqual(
      [partial.status, partial.amount, partial.paid_amount, partial.actual_amount_received, partial.remaining_amount],
      ['partially_paid', 100000, 87719, 87719, 12281],
    )
    const [partialHook] = await webhooks(id, 1)
    assert.deepEqual(
      [partialHook.event, partialHook.amount, partialHook.paid_amount, partialHook.remaining_amount],
      ['partially_paid', 100000, 87719, 12281],
    )
    const topUp = await kaspi(id, 'kaspi_gold')
    assert.deepEqual([topUp.amount, topUp.original_amount], [12281, 12281])
    await sim.pay(topUp.terminal_id)
    const paid = await waitForStatus(api, id, ['paid', 'failed'])
    assert.deepEqual([paid.status, paid.amount, paid.paid_amount, paid.remaining_amount], ['paid', 100000, 100000, 0])
    const [, paidHook] = await webhooks(id, 2)
    assert.deepEqual(
      [paidHook.event, paidHook.amount, paidHook.paid_amount, paidHook.remaining_amount],
      ['paid', 100000, 100000, 0],
    )
  })

  it('scenario 4: credit chosen (114 000), 100 000 paid by Gold → partially_paid, 14 000 remaining', async () => {
    const id = await create(100000)
    const started = await kaspi(id, 'kaspi_kredit')
    assert.deepEqual([started.amount, started.commission_amount], [114000, 14000])
    await sim.pay(started.terminal_id, { productType: 'Gold', amount: 100000 })
    const partial = await waitForStatus(api, id, ['paid', 'partially_paid', 'failed'])
    assert.deepEqual(
      [partial.status, partial.amount, partial.paid_amount, partial.remaining_amount],
      ['partially_paid', 114000, 100000, 14000],
    )
    const [hook] = await webhooks(id, 1)
    assert.deepEqual(
      [hook.event, hook.amount, hook.paid_amount, hook.remaining_amount],
      ['partially_paid', 114000, 100000, 14000],
    )
  })

  it('scenario 5: the seed’s loop polls /status each second; the customer pays after ~2.5 s; the loop sees paid', async () => {
    const id = await create(25000)
    const started = await kaspi(id, 'kaspi_gold')
    const customer = new Promise((resolve) => setTimeout(resolve, 2_500)).then(() => sim.pay(started.terminal_id))
    // The seed's waitForPayment, as written there (60 attempts, 1 s apart).
    const seen: string[] = []
    let result: Payload = null
    for (let i = 0; i < 60 && result === null; i++) {
      const answer = await api.status(id)
      assert.equal(answer.status, 200)
      const data = answer.body.data
      seen.push(data.status)
      if (['paid', 'partially_paid', 'failed', 'cancelled'].includes(data.status)) result = data
      else await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
    await customer
    assert.ok(result, 'timed out')
    assert.deepEqual([result.status, result.paid_amount, result.remaining_amount], ['paid', 25000, 0])
    assert.ok(seen.length >= 3, `the loop polled while the customer had not paid: ${seen.join(',')}`)
    assert.ok(
      seen.slice(0, -1).every((s) => s === 'processing'),
      seen.join(','),
    )
    const [hook] = await webhooks(id, 1)
    assert.equal(hook.event, 'paid')
  })
})
