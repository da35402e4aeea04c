import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { generateWebhookSecret, standardWebhookHeaders } from '@kokdala/core'
import {
  eventually,
  fetchJson,
  freePort,
  serviceProcess,
  type TestDataLocation,
  testDataLocation,
} from '@kokdala/core/testing'
import { type StartedWebkassaSimulator, startWebkassaSimulator, WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const ADMIN = 'fiscal-e2e-admin-token-0123456789abcdef'
const SECRET = generateWebhookSecret()
const TX = 'TX0000000042'
const EXTERNAL = `s-${TX}-1`
const CASHBOX = WEBKASSA_SIM_DEMO.cashboxes[0]

// A receipt as the API shows it, read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

/** An answer of the simulator that the proxy has received in full and not passed on. */
interface HeldAnswer {
  path: string
  release(): void
}

/**
 * A pass-through in front of the Webkassa simulator that can hold the simulator's answers to `/api/v4/check`:
 * the simulator has carried the call out and recorded the receipt, its answer waits here. That makes the window
 * between Webkassa's answer and our commit as wide as the test needs, without touching the simulator or fiscal.
 */
async function startHoldingProxy(target: string) {
  const state = { holdChecks: false, held: [] as HeldAnswer[] }
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'x-api-key']) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    let answer: Response
    try {
      answer = await fetch(`${target}${request.url}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' ? undefined : Buffer.concat(chunks),
      })
    } catch {
      response.destroy()
      return
    }
    const body = Buffer.from(await answer.arrayBuffer())
    const send = () => {
      if (response.destroyed) return
      response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
      response.end(body)
    }
    const path = (request.url ?? '').toLowerCase()
    if (state.holdChecks && path === '/api/v4/check') state.held.push({ path, release: send })
    else send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Issue 11, must-be-true 5: `kokdala serve fiscal` as its own process (on PostgreSQL, or on PGlite in a folder),
 * killed with SIGKILL after Webkassa (the simulator) has registered the receipt and answered, before fiscal could
 * commit the answer; then started again on the same data. The receipt must come back fiscalized from Webkassa's history, with the fiscal
 * number Webkassa issued, and Webkassa must hold exactly one receipt under its external number.
 */
describe('e2e: the fiscal process killed with SIGKILL between Webkassa’s answer and our commit', () => {
  let sim: StartedWebkassaSimulator
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>
  let data: TestDataLocation
  let service: ReturnType<typeof serviceProcess>
  let env: Record<string, string>
  let url: string

  const admin = { authorization: `Bearer ${ADMIN}` }
  const receipt = async (id: number): Promise<Json> => {
    const answer = await fetch(`${url}/api/receipts/${id}`, { headers: admin })
    const json = await answer.json()
    assert.equal(answer.status, 200, JSON.stringify(json))
    return json
  }
  const simInspection = async (): Promise<Json> => (await fetchJson(sim.url, 'GET', '/__sim/receipts')).json
  /** Delivers a payment of 1 500 ₸ paid in full, as payments signs it; answers its one receipt's id. */
  const pay = async (transactionId: string): Promise<number> => {
    const body = JSON.stringify({
      event: 'paid',
      transaction_id: transactionId,
      status: 'paid',
      paid_amount: 1500,
      actual_amount_received: 1500,
      refunded_amount: 0,
      written_off_amount: 0,
      description: 'Билет',
      payment_method: 'kaspi_gold',
    })
    const delivered = await fetch(`${url}/api/payment-events`, {
      method: 'POST',
      headers: { ...standardWebhookHeaders(SECRET, `msg_${randomUUID()}`, body), 'content-type': 'application/json' },
      body,
    })
    const answer = (await delivered.json()) as Json
    assert.equal(delivered.status, 200, JSON.stringify(answer))
    assert.equal(answer.receipts.length, 1)
    return answer.receipts[0]
  }
  /** Kills the process; the answers held for it then reach nobody (its connections died with it). */
  const kill = async () => {
    await service.kill()
    assert.equal(service.child?.signalCode, 'SIGKILL')
    for (const answer of proxy.state.held.splice(0)) answer.release()
  }

  before(async () => {
    sim = await startWebkassaSimulator()
    proxy = await startHoldingProxy(sim.url)
    data = await testDataLocation()
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    const inherited = { ...process.env }
    // The child is a service, not a test runner's subprocess.
    delete inherited.NODE_TEST_CONTEXT
    delete inherited.DATABASE_URL
    env = {
      ...(inherited as Record<string, string>),
      // The same port on restart: the same worker id, so the new process takes back the dead one's job at once.
      FISCAL_PORT: String(port),
      FISCAL_HOST: '127.0.0.1',
      ...(data.url ? { DATABASE_URL: data.url } : { FISCAL_DATA_DIR: data.dataDir! }),
      FISCAL_ADMIN_TOKEN: ADMIN,
      FISCAL_WEBKASSA_URL: proxy.url,
      FISCAL_WEBKASSA_API_KEY: WEBKASSA_SIM_DEMO.apiKey,
      FISCAL_WEBKASSA_LOGIN: WEBKASSA_SIM_DEMO.login,
      FISCAL_WEBKASSA_PASSWORD: WEBKASSA_SIM_DEMO.password,
      FISCAL_TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      FISCAL_CASHBOXES: CASHBOX,
      FISCAL_PAYMENTS_WEBHOOK_SECRET: SECRET,
      // The held answer must outlive the kill: the request does not time out on its own meanwhile.
      FISCAL_WEBKASSA_TIMEOUT_MS: '120000',
      LOG_LEVEL: 'warn',
    }
    service = serviceProcess({
      service: 'fiscal',
      cwd: REPO,
      env,
      ready: async () => (await fetchJson(url, 'GET', '/health')).status === 200,
    })
  })
  after(async () => {
    await service.kill()
    await proxy?.close()
    await sim?.close()
    await data?.drop()
  })

  let receiptId = 0
  let issuedNumber = ''

  it('the kill lands in the window: Webkassa holds the receipt, fiscal’s row still says sending', async () => {
    await service.start()
    proxy.state.holdChecks = true
    receiptId = await pay(TX)

    await eventually(async () => proxy.state.held.length === 1, 30_000, 'the simulator’s answer to the check held')
    const held = await simInspection()
    assert.deepEqual(held.receipts.byExternalNumber[EXTERNAL], { receipts: 1, attempts: 1 }, 'registered at Webkassa')
    issuedNumber = (await fetchJson(sim.url, 'GET', `/__sim/receipts/${EXTERNAL}`)).json.data.CheckNumber
    assert.match(issuedNumber, /^\d+$/)
    const before = await receipt(receiptId)
    assert.equal(before.status, 'sending', 'committed as sending before the request left, nothing after')
    assert.equal(before.fiscal, null)

    await kill()
    proxy.state.holdChecks = false
  })

  it('after the restart the receipt is recovered from Webkassa’s history with the fiscal number it issued', async () => {
    assert.ok(receiptId > 0, 'the first test made the receipt')
    const restartedAt = Date.now()
    await service.start()
    const recovered = await eventually(
      async () => {
        const r = await receipt(receiptId)
        return r.status === 'fiscalized' ? r : false
      },
      30_000,
      'the receipt fiscalized after the restart',
    )
    assert.equal(recovered.external_number, EXTERNAL, 'the same number, never re-minted')
    assert.equal(recovered.fiscal.via, 'recovery', 'found through the history lookup, not a new send')
    assert.equal(recovered.fiscal.check_number, issuedNumber)
    assert.equal(recovered.cashbox, CASHBOX)
    assert.equal(recovered.attempts.length, 1, 'one send in all: the dead process’s; the restart only looked it up')
    // The restarted process has the dead one's worker id: it takes the job back at once, not after the job lease.
    assert.ok(Date.now() - restartedAt < 20_000, `recovered ${Date.now() - restartedAt} ms after the restart`)
  })

  it('Webkassa holds exactly one receipt for the external number, sent once', async () => {
    assert.ok(issuedNumber !== '', 'the first test saw the receipt registered')
    const inspection = await simInspection()
    assert.deepEqual(inspection.receipts.byExternalNumber[EXTERNAL], { receipts: 1, attempts: 1 })
    assert.equal(inspection.receipts.total, 1)
  })

  // The cashbox's queue is pipelined: while a receipt is at Webkassa, the next one already stands marked `sending`
  // with its attempt open. Killed then, that next request never left: after the restart it is looked up (absent
  // at Webkassa), then sent once with its number; the one that was at Webkassa is recovered from its history.
  it('killed while the next receipt stood marked ahead: after the restart each receipt is at Webkassa once', async () => {
    // A receipt held at Webkassa with two more queued behind it, and the process dies.
    proxy.state.holdChecks = true
    const b = await pay('TX0000000043')
    await eventually(async () => proxy.state.held.length === 1, 30_000, 'the check of the first of three held')
    const [c, d] = [await pay('TX0000000044'), await pay('TX0000000045')]
    await kill()
    // Restarted: the first is looked up and found; the second, leased ahead meanwhile, leaves and is held in turn,
    // with the third marked ahead behind it. The process dies again there.
    await service.start()
    await eventually(
      async () => proxy.state.held.length === 1 && (await receipt(d)).status === 'sending',
      30_000,
      'the second receipt at Webkassa with the third marked ahead',
    )
    assert.equal((await receipt(b)).status, 'fiscalized')
    assert.equal((await receipt(c)).status, 'sending')
    await kill()
    proxy.state.holdChecks = false
    await service.start()
    const done = await eventually(
      async () => {
        const all = await Promise.all([b, c, d].map(receipt))
        return all.every((r) => r.status === 'fiscalized') && all
      },
      30_000,
      'the three receipts fiscalized after the restarts',
    )
    const inspection = await simInspection()
    for (const r of done) {
      assert.deepEqual(inspection.receipts.byExternalNumber[r.external_number], { receipts: 1, attempts: 1 })
    }
    const [, second, third] = done
    assert.equal(second.fiscal.via, 'recovery', 'the one at Webkassa when the process died: found, not sent again')
    // Its mark was made and never sent: the restart cannot know, so it counts as lost and is looked up first.
    assert.deepEqual(
      third.attempts.map((a: { outcome: string }) => a.outcome),
      ['lost', 'fiscalized'],
    )
  })
})
