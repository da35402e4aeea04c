import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  eventually,
  freePort,
  type ReferenceWebhookReceiver,
  serviceProcess,
  startReferenceWebhookReceiver,
  type TestDataLocation,
  testDataLocation,
} from '@kokdala/core/testing'
import {
  adminApi,
  E2E_ADMIN_TOKEN,
  http,
  type KaspiSim,
  seedApi,
  simControl,
  startKaspiSimulator,
  waitForStatus,
} from './e2e-harness.ts'

const SECRET = 'your_secret_key_for_hmac'
const REPO = fileURLToPath(new URL('../../../', import.meta.url))

// A webhook body as received, read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Payload = any

/**
 * Issue 10, must-be-true 3, second half: `kokdala serve payments` as its own process, killed with SIGKILL while its
 * webhook deliveries wait for the receiver's answers, then started again on the same data. Every event must reach
 * the reference receiver, each `webhook-id` processed once (repeats counted as duplicates, never processed twice).
 */
describe('e2e: the payments process killed with SIGKILL mid-delivery and restarted', () => {
  let sim: KaspiSim
  let receiver: ReferenceWebhookReceiver
  let data: TestDataLocation
  let service: ReturnType<typeof serviceProcess>
  let env: Record<string, string>
  let url: string
  /** From the restart until every event was delivered, for the second test. */
  let redeliveryMs = Number.NaN
  /** Deliveries the receiver held when the process was killed, for the third test. */
  let inFlightAtKill = 0

  before(async () => {
    sim = await startKaspiSimulator(4)
    receiver = await startReferenceWebhookReceiver({ bodySignature: { header: 'X-Webhook-Signature', secret: SECRET } })
    data = await testDataLocation()
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    const inherited = { ...process.env }
    // The child is a service, not a test runner's subprocess.
    delete inherited.NODE_TEST_CONTEXT
    delete inherited.DATABASE_URL
    env = {
      ...(inherited as Record<string, string>),
      PAYMENTS_PORT: String(port),
      PAYMENTS_HOST: '127.0.0.1',
      ...(data.url ? { DATABASE_URL: data.url } : { PAYMENTS_DATA_DIR: data.dataDir! }),
      PAYMENTS_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      KASPI_SIMULATOR_URL: sim.url,
      PAYMENTS_PUBLIC_RATE_PER_MINUTE: '0',
      // Held answers must outlive the kill: no attempt times out on its own meanwhile.
      PAYMENTS_WEBHOOK_TIMEOUT_MS: '120000',
      PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS: '200,500,1000,2000,5000',
      LOG_LEVEL: 'warn',
    }
    service = serviceProcess({
      service: 'payments',
      cwd: REPO,
      env,
      ready: async () => (await http(url, 'GET', '/api/payment-methods/active')).status === 200,
    })
  })
  after(async () => {
    await service.kill()
    await receiver?.stop()
    await sim?.close()
    await data?.drop()
  })

  it('every event delivered after the restart, each webhook-id processed once, repeats counted', async () => {
    await service.start()
    const admin = adminApi(url)
    const { token, sourceId } = await admin.sourceToken('byfly')
    receiver.state.secret = await admin.webhookSecret(sourceId, receiver.url)
    await eventually(async () => (await admin.terminals()).length === 4, 15_000, 'the simulator’s terminals adopted')
    const api = seedApi(url, token)
    const simulator = simControl(sim.url)
    receiver.state.holdAnswers = true

    const create = async (amount: number) => {
      const answer = await api.init({ amount, webhook_url: receiver.url, webhook_secret: SECRET })
      assert.equal(answer.status, 201, JSON.stringify(answer.body))
      return answer.body.data.transaction_id as string
    }
    const start = async (id: string, method: string) => {
      const answer = await api.kaspi(id, method)
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      return answer.body.data.terminal_id as number
    }
    // Four changes over three payments: paid, partially paid then topped up, paid by credit.
    const gold = await create(10000)
    await simulator.pay(await start(gold, 'kaspi_gold'))
    const partial = await create(20000)
    await simulator.pay(await start(partial, 'kaspi_gold'), { productType: 'Credit', loanTerm: 12, amount: 20000 })
    const credit = await create(30000)
    await simulator.pay(await start(credit, 'kaspi_kredit'), { productType: 'Credit', loanTerm: 12 })
    assert.equal((await waitForStatus(api, gold, ['paid'])).paid_amount, 10000)
    assert.equal((await waitForStatus(api, partial, ['partially_paid'])).remaining_amount, 2457)
    assert.equal((await waitForStatus(api, credit, ['paid'])).paid_amount, 34200)
    await simulator.pay(await start(partial, 'kaspi_gold'))
    assert.equal((await waitForStatus(api, partial, ['paid'])).paid_amount, 20000)
    const expected = [
      `${gold} paid 10000`,
      `${partial} partially_paid 17543`,
      `${partial} paid 20000`,
      `${credit} paid 34200`,
    ].sort()

    // The messages are in the outbox; the receiver has processed what reached it and holds its answers: those
    // senders wait. A held delivery holds only its own slot: the worker claims the later messages meanwhile.
    await eventually(async () => (await admin.deliveries()).length === 4, 20_000, 'four messages in the outbox')
    await eventually(async () => receiver.state.processed.length >= 1, 20_000, 'a delivery in flight')
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const inFlight = receiver.state.processed.map((p) => p.id)
    inFlightAtKill = inFlight.length
    assert.deepEqual(
      (await admin.deliveries()).filter((d) => d.status === 'delivered'),
      [],
      'nothing acknowledged before the kill',
    )
    await service.kill()

    const restartedAt = Date.now()
    await service.start()
    receiver.releaseAnswers()
    await eventually(
      async () => {
        const all = await admin.deliveries()
        return all.length === 4 && all.every((d) => d.status === 'delivered')
      },
      100_000,
      'every message delivered after the restart',
    )
    redeliveryMs = Date.now() - restartedAt

    assert.deepEqual(receiver.state.refused, [], 'every delivery verified (standardwebhooks + hex signature)')
    const processed = receiver.state.processed
    assert.equal(processed.length, 4, 'each webhook-id processed once: no new message for a repeated event')
    const seen = processed.map((p) => {
      const body = p.json as Payload
      return `${body.transaction_id} ${body.event} ${body.paid_amount}`
    })
    assert.deepEqual(seen.sort(), expected, 'every event, none lost, none invented')
    // The killed process never saw its answers: each message came again under its webhook-id, a counted duplicate.
    for (const id of inFlight) assert.ok(receiver.get(id)!.deliveries >= 2, `${id} was delivered again after the kill`)
    assert.equal(
      receiver.state.duplicates,
      processed.reduce((sum, p) => sum + p.deliveries - 1, 0),
    )
    const ids = (await admin.deliveries()).map((d) => d.webhook_id).sort()
    assert.deepEqual(ids, processed.map((p) => p.id).sort(), 'the delivery log names the same webhook-ids')
  })

  it('the restarted process takes back its predecessor’s deliveries at once, not after the 60 s job lease', () => {
    assert.ok(redeliveryMs < 15_000, `every event delivered ${redeliveryMs} ms after the restart`)
  })

  it('one held delivery does not stop the others: the four messages were all in flight when the process was killed', () => {
    assert.equal(inFlightAtKill, 4)
  })
})
