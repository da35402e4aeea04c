import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { manualClock } from '@kokdala/core'
import { fetchJson } from '@kokdala/core/testing'
import { createCameraQrReader, createKaspiTerminalClient } from '@kokdala/kaspi'
import { defaultAccessToken } from '@kokdala/kaspi-simulator'
import { PaymentsError } from '../src/errors.ts'
import type { TerminalClientFactory } from '../src/modules/terminals/client.ts'
import { adoptSimulatorTerminals, createSimulatorHistory } from '../src/modules/terminals/history.ts'
import type { TerminalOutcome } from '../src/modules/terminals/pool.ts'
import { createReconciliation } from '../src/modules/terminals/reconcile.ts'
import { createTerminalAdmin } from '../src/modules/terminals/service.ts'
import { type KaspiSim, startKaspiSimulator } from './e2e-harness.ts'
import { LEASE_MS, processPoller, processPool, terminalsDatabase } from './terminals-rig.ts'

const TERMINALS = 20

/** The terminal pool against the Kaspi simulator over real HTTP (must-be-true 2 and 5 of issue 10). */
describe('Kaspi terminal pool on the simulator', () => {
  let sim: KaspiSim
  let clock: ReturnType<typeof manualClock>
  const closeables: { close(): Promise<void> }[] = []
  let nextAttempt = 1
  const { repo, empty } = terminalsDatabase()

  beforeEach(async () => {
    const terminals = Array.from({ length: TERMINALS }, (_, i) => ({ id: String(i + 1) }))
    sim = await startKaspiSimulator(TERMINALS)
    clock = manualClock()
    const admin = createTerminalAdmin({ terminals: repo() })
    for (const { id } of terminals) {
      await admin.add({
        name: `Касса ${id}`,
        baseUrl: `${sim.url}/terminals/${id}`,
        accessToken: defaultAccessToken(id),
        cameraId: id,
      })
    }
  })
  afterEach(async () => {
    await Promise.all(closeables.splice(0).map((c) => c.close()))
    await sim.close()
  })

  // Generous: the simulator shares this process's event loop with PGlite, which 200 concurrent leases keep busy.
  const clientFor: TerminalClientFactory = ({ baseUrl, accessToken }) =>
    createKaspiTerminalClient({ baseUrl, accessToken, timeoutMs: 15_000 })

  /** One service process's pool; several over one database stand for several processes. */
  function pool() {
    const camera = createCameraQrReader({ baseUrl: `${sim.url}/camera`, scanTimeoutMs: 10_000 })
    const built = processPool({ terminals: repo(), clientFor, qrReader: camera, clock })
    closeables.push(camera, built.pool)
    return built
  }
  const poller = processPoller

  /** How many calls of a terminal operation the simulator received. */
  async function simCalls(operation: string): Promise<number> {
    const { json } = await fetchJson(sim.url, 'GET', `/__sim/requests?operation=${operation}`)
    return json.requests.length
  }
  const control = async (path: string, body?: unknown) => {
    const answer = await fetchJson(sim.url, 'POST', path, body)
    assert.ok(answer.status < 300, `${path}: ${answer.status} ${JSON.stringify(answer.json)}`)
    return answer.json
  }
  const simTerminals = async () => (await fetchJson(sim.url, 'GET', '/__sim/terminals')).json.terminals
  const leased = async () => (await repo().listTerminals()).filter((t) => t.leaseAttemptId !== null)

  it('50 concurrent starts of one attempt from 5 processes: one lease, one /v2/payment, one QR for all', async () => {
    const pools = Array.from({ length: 5 }, () => pool().pool)
    const attemptId = nextAttempt++
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pools[i % 5].start({ attemptId, amountTenge: 57_000 })),
    )
    assert.equal(await simCalls('payment'), 1)
    assert.equal((await leased()).length, 1)
    assert.equal(new Set(results.map((r) => `${r.terminalId} ${r.processId} ${r.qrCode} ${r.paymentUrl}`)).size, 1)
    assert.match(results[0].qrCode, /^https:\/\/qr\.kaspi\.kz\//)
    assert.match(results[0].paymentUrl, /^https:\/\/pay\.kaspi\.kz\/pay\//)
  })

  it('200 attempts at once on 20 terminals from 4 processes: never two on one terminal, the rest TERMINALS_BUSY', async () => {
    const pools = Array.from({ length: 4 }, () => pool().pool)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => pools[i % 4].start({ attemptId: nextAttempt++, amountTenge: 100 + i })),
    )
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    assert.equal(won.length, TERMINALS)
    assert.equal(new Set(won.map((o) => o.value.terminalId)).size, TERMINALS)
    for (const o of outcomes) if (o.status === 'rejected') assert.ok(PaymentsError.is(o.reason, 'TERMINALS_BUSY'))
    // The simulator refuses a payment while another waits on screen: 20 calls, 20 terminals showing one QR each.
    assert.equal(await simCalls('payment'), TERMINALS)
    const states = (await simTerminals()).map((t: { state: string }) => t.state)
    assert.deepEqual(states, Array(TERMINALS).fill('waiting'))
  })

  it('status asked 100 times at once from 3 processes: one /v2/status a second', async () => {
    const pools = Array.from({ length: 3 }, () => pool().pool)
    const attemptId = nextAttempt++
    await pools[0].start({ attemptId, amountTenge: 1_000 })
    const ask = () => Promise.all(Array.from({ length: 100 }, (_, i) => pools[i % 3].check(attemptId)))
    assert.ok((await ask()).every((o) => o.state === 'waiting'))
    await ask()
    assert.equal(await simCalls('status'), 1)
    clock.advance(1_000)
    await ask()
    assert.equal(await simCalls('status'), 2)
  })

  it('the poller settles what nobody polls: another method and amount, a missing amount, an unknown status', async () => {
    const p = pool()
    const [credit, chequeOnly, unknown] = [nextAttempt++, nextAttempt++, nextAttempt++]
    const a = await p.pool.start({ attemptId: credit, amountTenge: 114_000 })
    const b = await p.pool.start({ attemptId: chequeOnly, amountTenge: 50_500 })
    const c = await p.pool.start({ attemptId: unknown, amountTenge: 2_000 })
    await control(`/__sim/terminals/${a.terminalId}/pay`, { productType: 'Credit', loanTerm: 12, amount: 100_000 })
    await control(`/__sim/terminals/${b.terminalId}/pay`, { omitAmount: true })
    await control(`/__sim/terminals/${c.terminalId}/pay`, { unknown: true })
    clock.advance(5_000)
    const settled: [number, TerminalOutcome][] = []
    await poller(p, settled).round()
    const byAttempt = new Map(settled)
    assert.equal(settled.length, 3)
    assert.deepEqual(
      { ...byAttempt.get(credit), transactionId: '' },
      {
        state: 'paid',
        amountTiyn: 10_000_000n,
        productType: 'Credit',
        loanTerm: 12,
        transactionId: '',
      },
    )
    const cheque = byAttempt.get(chequeOnly)
    assert.equal(cheque?.state === 'paid' && cheque.amountTiyn, 5_050_000n, 'the cheque’s "50 500 ₸", never 0')
    assert.equal(byAttempt.get(unknown)?.state, 'paid')
    assert.ok((await simCalls('actualize')) >= 1)
    assert.equal((await leased()).length, 0)
  })

  it('a process killed mid-lease: after the lease timeout the terminal gets /v2/cancel and takes payments again', async () => {
    const dead = pool().pool
    const attemptId = nextAttempt++
    const started = await dead.start({ attemptId, amountTenge: 3_000 })
    const survivor = pool()
    const settled: [number, TerminalOutcome][] = []
    await poller(survivor, settled).round()
    assert.equal(await simCalls('cancel'), 0)
    clock.advance(LEASE_MS + 1)
    assert.equal((await poller(survivor, settled).round()).reclaimed, 1)
    assert.equal(await simCalls('cancel'), 1)
    assert.equal((await leased()).length, 0)
    const terminal = (await simTerminals()).find((t: { id: string }) => t.id === String(started.terminalId))
    assert.equal(terminal.state, 'idle')
    await poller(survivor, settled).round()
    assert.deepEqual(
      settled.map(([id, o]) => [id, o.state]),
      [[attemptId, 'failed']],
    )
  })

  it('an offline terminal is marked and skipped, and comes back when it answers again', async () => {
    const p = pool()
    await control('/__sim/terminals/1/offline')
    const started = await p.pool.start({ attemptId: nextAttempt++, amountTenge: 1_000 })
    assert.notEqual(started.terminalId, 1)
    const t1 = () =>
      repo()
        .listTerminals()
        .then((list) => list.find((t) => t.id === 1))
    assert.equal((await t1())?.state, 'offline')
    const before = await simCalls('payment')
    for (let i = 0; i < 3; i++) await p.pool.start({ attemptId: nextAttempt++, amountTenge: 1_000 })
    assert.equal(await simCalls('payment'), before + 3)
    assert.ok(!(await leased()).some((t) => t.id === 1))
    await control('/__sim/terminals/1/online')
    clock.advance(30_000)
    await poller(p, []).round()
    assert.equal((await t1())?.state, 'online')
  })

  it('refunds through the terminal that took the payment, with its access token', async () => {
    const p = pool().pool
    const attemptId = nextAttempt++
    const started = await p.start({ attemptId, amountTenge: 20_000 })
    await control(`/__sim/terminals/${started.terminalId}/pay`)
    assert.equal((await p.check(attemptId)).state, 'paid')
    const refund = await p.refund({ attemptId, amountTenge: 5_000 })
    assert.ok(refund.processId)
    const { json } = await fetchJson(sim.url, 'GET', '/__sim/requests?operation=refund')
    assert.equal(json.requests.length, 1)
    assert.match(json.requests[0].url, new RegExp(`^/terminals/${started.terminalId}/v2/refund\\?`))
    await assert.rejects(p.refund({ attemptId, amountTenge: 100_000 }), (e) =>
      PaymentsError.is(e, 'TERMINAL_REFUND_REFUSED'),
    )
  })

  it('reconciliation against the simulator’s history: a missing capture and an unknown transaction', async () => {
    const p = pool().pool
    const [captured, notCaptured] = [nextAttempt++, nextAttempt++]
    for (const attemptId of [captured, notCaptured]) {
      const s = await p.start({ attemptId, amountTenge: 10_000 })
      await control(`/__sim/terminals/${s.terminalId}/pay`)
      assert.equal((await p.check(attemptId)).state, 'paid')
    }
    // Someone took a payment on terminal 20 without us (by hand, from the terminal's own screen).
    const stranger = createKaspiTerminalClient({
      baseUrl: `${sim.url}/terminals/20`,
      accessToken: defaultAccessToken('20'),
    })
    closeables.push(stranger)
    await stranger.startPayment(777)
    await control('/__sim/terminals/20/pay')

    const reconcile = createReconciliation({
      terminals: repo(),
      history: createSimulatorHistory({ timeoutMs: 2_000 }),
      // The payments module captured the first attempt only.
      capturedAttempts: async () => [{ attemptId: captured, amountTiyn: 1_000_000n }],
    })
    const report = await reconcile({ from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) })
    assert.equal(report.unreadable.length, 0)
    assert.equal(report.transactions, 3)
    assert.deepEqual(report.mismatches.map((m) => [m.kind, 'attemptId' in m ? m.attemptId : m.amountTiyn]).sort(), [
      ['missing_capture', notCaptured],
      ['unknown_transaction', 77_700n],
    ])
  })

  it('kokdala start: an empty database adopts the simulator’s terminals, once', async () => {
    await empty()
    const admin = createTerminalAdmin({ terminals: repo() })
    assert.equal(await adoptSimulatorTerminals(sim.url, admin, 2_000), TERMINALS)
    assert.equal(await adoptSimulatorTerminals(sim.url, admin, 2_000), 0)
    const list = await admin.list()
    assert.equal(list.length, TERMINALS)
    assert.deepEqual([list[0].name, list[0].baseUrl, list[0].cameraId], ['Касса 1', `${sim.url}/terminals/1`, '1'])
    // Adopted terminals work: their tokens are the simulator's.
    const started = await pool().pool.start({ attemptId: nextAttempt++, amountTenge: 500 })
    await control(`/__sim/terminals/${started.terminalId}/pay`)
    assert.equal((await pool().pool.check(nextAttempt - 1)).state, 'paid')
  })
})
