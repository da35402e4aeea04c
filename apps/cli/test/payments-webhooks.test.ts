import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ReferenceWebhookReceiver, startReferenceWebhookReceiver } from '@kokdala/core/testing'
import { paymentEvent, record } from '../../../services/payments/test/webhooks-harness.ts'
import { webhooks } from '../src/commands/payments-webhooks.ts'
import { type AdminTarget, CLI_ADMIN_TOKEN, type PaymentsForCli, printed, startPaymentsForCli } from './payments-cli.ts'

const TOKEN = CLI_ADMIN_TOKEN

const run = (args: string[], options: Record<string, string | true>, target: AdminTarget) =>
  printed((out) => webhooks(args, options, target, out))

describe('kokdala payments webhooks', () => {
  let service: PaymentsForCli
  let payments: PaymentsForCli['payments']
  let target: AdminTarget
  let receiver: ReferenceWebhookReceiver

  before(async () => {
    service = await startPaymentsForCli({
      env: { PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS: '10' },
    })
    ;({ payments, target } = service)
    receiver = await startReferenceWebhookReceiver()
  })
  after(async () => {
    await receiver.stop()
    await service.close()
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
