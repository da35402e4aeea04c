import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { openTestDatabase, type ReferenceWebhookReceiver, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import { buildPaymentsApp, loadPaymentsConfig, type PaymentsApp, paymentsMigrations } from '@kokdala/payments'
import { paymentEvent, record } from '../../../services/payments/test/webhooks-harness.ts'
import type { AdminTarget } from '../src/commands/payments-admin-client.ts'
import { webhooks } from '../src/commands/payments-webhooks.ts'

const TOKEN = 'cli-admin-token-0123456789-0123456789abcdef'

async function run(args: string[], options: Record<string, string | true>, target: AdminTarget): Promise<string> {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk) => {
    text += chunk
  })
  await webhooks(args, options, target, out)
  return text
}

describe('kokdala payments webhooks', () => {
  let payments: PaymentsApp
  let target: AdminTarget
  let receiver: ReferenceWebhookReceiver
  let closeDb: () => Promise<void>

  before(async () => {
    const db = await openTestDatabase(paymentsMigrations)
    closeDb = () => db.close()
    payments = await buildPaymentsApp({
      config: loadPaymentsConfig({
        LOG_LEVEL: 'silent',
        PAYMENTS_ADMIN_TOKEN: TOKEN,
        PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS: '10',
      }),
      db,
      background: false,
    })
    target = { url: await payments.app.listen({ port: 0, host: '127.0.0.1' }), token: TOKEN }
    receiver = await startReferenceWebhookReceiver()
  })
  after(async () => {
    await receiver.stop()
    await payments.app.close()
    await closeDb()
  })

  it('lists a payment’s messages with their attempts, and resends a dead one after the merchant is back', async () => {
    receiver.state.failWith = 500
    const event = paymentEvent(receiver.url, { secret: null })
    await record(payments, event)
    // One retry of 10 ms, then the message is dead.
    await payments.services.worker.runDue()
    await new Promise((resolve) => setTimeout(resolve, 30))
    await payments.services.worker.runDue()
    const listed = await run(['list'], { payment: event.transactionId }, target)
    assert.match(listed, new RegExp(`msg_\\S+\\tpaid\\tpayment:${event.transactionId}\\tdead`))
    assert.equal(listed.match(/ 500 /g)?.length, 2, `two refused attempts shown:\n${listed}`)

    receiver.state.failWith = null
    const id = listed.split('\t')[0]
    assert.equal(await run(['resend', id], {}, target), `message ${id} queued again\n`)
    // The receiver verifies the Standard Webhooks signature with the endpoint's secret, which it learns here.
    const secrets = await payments.app.inject({
      method: 'GET',
      url: `/api/admin/webhooks/deliveries?transaction_id=${event.transactionId}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    const endpointId = secrets.json().data[0].endpoint_id
    const revealed = await payments.app.inject({
      method: 'GET',
      url: `/api/admin/webhooks/endpoints/${endpointId}/secrets`,
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    receiver.state.secret = revealed.json().data.secrets[0].secret
    await payments.services.worker.runDue()
    assert.equal(receiver.state.processed.length, 1)
    assert.match(await run(['list'], { payment: event.transactionId }, target), /\tdelivered\t/)
    assert.match(await run(['stats'], {}, target), new RegExp(`${endpointId}\\t${receiver.url}\\t3 attempts\\t33 % ok`))
  })

  it('resends a range and refuses bad arguments plainly', async () => {
    assert.match(await run(['resend'], { from: '2020-01-01' }, target), /^0 messages queued again\n$/)
    await assert.rejects(run(['resend'], {}, target), /resend needs a message id or --from/)
    await assert.rejects(run(['resend', 'abc'], {}, target), /positive integer/)
    await assert.rejects(run(['list'], { from: 'yesterday' }, target), /--from is not a date/)
    await assert.rejects(run(['resend', '424242'], {}, target), /WEBHOOK_MESSAGE_NOT_FOUND/)
    await assert.rejects(run(['nonsense'], {}, target), /usage:/)
  })
})
