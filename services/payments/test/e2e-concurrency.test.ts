import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { eventually } from '@kokdala/core/testing'
import {
  adminApi,
  type E2EPlatform,
  type HttpAnswer,
  seedApi,
  simControl,
  startE2E,
  waitForStatus,
} from './e2e-harness.ts'

const TERMINALS = 20

/**
 * Concurrency through the routes (issue 10, must-be-true 2): real HTTP clients at the same moment, the real pool
 * leasing terminals of the Kaspi simulator over HTTP, PGlite or PostgreSQL underneath.
 */
describe('e2e: concurrent requests through the HTTP API', () => {
  let platform: E2EPlatform
  let api: ReturnType<typeof seedApi>
  let admin: ReturnType<typeof adminApi>
  let sim: ReturnType<typeof simControl>

  before(async () => {
    platform = await startE2E({ terminals: TERMINALS })
    admin = adminApi(platform.url)
    api = seedApi(platform.url, (await admin.sourceToken('byfly')).token)
    sim = simControl(platform.sim.url)
  })
  after(() => platform?.close())

  const busyTerminals = async () => (await admin.terminals()).filter((t) => t.busy)
  const paymentCount = async () => Number((await platform.db.query('SELECT count(*) AS n FROM payment')).rows[0].n)

  async function create(amount: number): Promise<string> {
    const answer = await api.init({ amount })
    assert.equal(answer.status, 201, JSON.stringify(answer.body))
    return answer.body.data.transaction_id
  }

  it('100 concurrent init with one Idempotency-Key → one payment; every answer the same (409 in flight, retried)', async () => {
    const before = await paymentCount()
    const body = { amount: 50000, description: 'Тур в Турцию', metadata: { order_id: 'IDEM-1' } }
    const headers = { 'idempotency-key': 'order-IDEM-1-init' }
    const conflicts: HttpAnswer[] = []
    // What a careful integrator does with the 409 of a duplicate still in flight: waits Retry-After, asks again.
    const initOnce = async (): Promise<HttpAnswer> => {
      for (let i = 0; i < 50; i++) {
        const answer = await api.init(body, headers)
        if (answer.status !== 409) return answer
        conflicts.push(answer)
        const wait = Number(answer.headers.get('retry-after'))
        assert.ok(wait > 0, 'a 409 in flight says when to come back')
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait * 1000, 1_000)))
      }
      throw new Error('still in flight after 50 tries')
    }
    const answers = await Promise.all(Array.from({ length: 100 }, initOnce))
    for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body))
    assert.equal(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'every answer the same, byte for byte')
    for (const c of conflicts) assert.equal(c.body.success, false)
    assert.equal((await paymentCount()) - before, 1, 'one payment')
    // The same key with another body is refused, not a second payment.
    const other = await api.init({ ...body, amount: 50001 }, headers)
    assert.equal(other.status, 422, JSON.stringify(other.body))
    assert.equal((await paymentCount()) - before, 1)
  })

  it('50 concurrent /kaspi on one payment → one terminal leased, one /v2/payment at the simulator, one QR', async () => {
    const id = await create(57000)
    const paymentCalls = (await sim.requests('payment')).length
    const answers = await Promise.all(Array.from({ length: 50 }, () => api.kaspi(id, 'kaspi_gold')))
    for (const a of answers) {
      assert.ok(a.status < 500, `never a 5xx: ${a.status} ${JSON.stringify(a.body)}`)
      if (a.status !== 200) assert.equal(typeof a.body.code, 'string', JSON.stringify(a.body))
    }
    const won = answers.filter((a) => a.status === 200)
    assert.ok(won.length >= 1)
    assert.equal(
      new Set(won.map((a) => `${a.body.data.terminal_id} ${a.body.data.qr_code}`)).size,
      1,
      'every success shows the same terminal and QR',
    )
    assert.equal((await sim.requests('payment')).length - paymentCalls, 1, 'one /v2/payment call')
    const busy = await busyTerminals()
    assert.equal(busy.length, 1, 'one terminal leased')
    assert.equal(busy[0].id, won[0].body.data.terminal_id)
    assert.equal((await sim.terminals()).filter((t) => t.state === 'waiting').length, 1)
    // The customer pays: the lease is given back, and the next test has all 20 terminals.
    await sim.pay(won[0].body.data.terminal_id)
    assert.equal((await waitForStatus(api, id, ['paid', 'failed'])).status, 'paid')
    await eventually(async () => (await busyTerminals()).length === 0, 10_000, 'the lease given back')
  })

  it('200 payments started at once on 20 terminals → never two on one terminal, the rest told all are busy', async () => {
    const ids: string[] = []
    for (let i = 0; i < 200; i += 20) {
      ids.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => create(1000 + i + j)))))
    }
    assert.equal((await busyTerminals()).length, 0)
    const paymentCalls = (await sim.requests('payment')).length
    // Load shedding may refuse some at once (PostgreSQL: more than 100 queries waiting for the 20-connection pool):
    // 503 OVERLOADED with Retry-After, which an integrator retries. Every final answer is a start or the seed's busy.
    let shed = 0
    const startOnce = async (id: string): Promise<HttpAnswer> => {
      for (let i = 0; i < 20; i++) {
        const answer = await api.kaspi(id, 'kaspi_gold')
        if (answer.status !== 503) return answer
        assert.equal(answer.body.code, 'OVERLOADED', JSON.stringify(answer.body))
        assert.ok(Number(answer.headers.get('retry-after')) > 0)
        shed++
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800))
      }
      throw new Error('shed 20 times')
    }
    const answers = await Promise.all(ids.map(startOnce))
    if (shed > 0) process.stderr.write(`# 200 /kaspi at once: ${shed} refused 503 OVERLOADED first, then retried\n`)
    const won = answers.filter((a) => a.status === 200)
    const lost = answers.filter((a) => a.status !== 200)
    assert.equal(won.length, TERMINALS, `${won.length} started; others: ${JSON.stringify(lost[0]?.body)}`)
    assert.equal(new Set(won.map((a) => a.body.data.terminal_id)).size, TERMINALS, 'never two on one terminal')
    for (const a of lost) {
      assert.equal(a.status, 400, JSON.stringify(a.body))
      assert.deepEqual(
        [a.body.success, a.body.message, a.body.error_code, a.body.code],
        [false, 'Все терминалы заняты, попробуйте позже', 400, 'TERMINALS_BUSY'],
      )
    }
    assert.equal((await sim.requests('payment')).length - paymentCalls, TERMINALS, 'one /v2/payment per terminal')
    const states = (await sim.terminals()).map((t) => t.state)
    assert.deepEqual(states, Array(TERMINALS).fill('waiting'))
    assert.equal((await busyTerminals()).length, TERMINALS)
    // The ones told to wait are still payable later: nothing half-written.
    const waiting = ids.filter((_, i) => answers[i].status !== 200)
    assert.equal((await api.status(waiting[0])).body.data.status, 'pending')
  })
})
