import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { manualClock } from '@kokdala/core'
import { PaymentsError } from '../src/errors.ts'
import type { TerminalOutcome } from '../src/modules/terminals/pool.ts'
import { createTerminalAdmin } from '../src/modules/terminals/service.ts'
import { createFakeFleet, type FakeFleet } from './terminals-fake.ts'
import { LEASE_MS, processPoller, processPool, terminalsDatabase } from './terminals-rig.ts'

describe('Kaspi terminal pool', () => {
  let fleet: FakeFleet
  let clock: ReturnType<typeof manualClock>
  let nextAttempt = 1
  const { repo } = terminalsDatabase()

  beforeEach(async () => {
    fleet = createFakeFleet()
    clock = manualClock()
  })

  async function addTerminals(count: number) {
    const admin = createTerminalAdmin({ terminals: repo() })
    const added = []
    for (let i = 1; i <= count; i++) {
      added.push(
        await admin.add({ name: `t${i}`, baseUrl: `fake://t${i}`, accessToken: `token-${i}`, cameraId: `${i}` }),
      )
    }
    return added
  }

  /** One process's pool: tests build several over one database to stand for several service processes. */
  const pool = () =>
    processPool({ terminals: repo(), clientFor: fleet.clientFor, qrReader: fleet.qrReader, clock, startWaitMs: 20_000 })
  const poller = processPoller

  const leased = async () => (await repo().listTerminals()).filter((t) => t.leaseAttemptId !== null)

  it('50 concurrent starts of one attempt, from 5 processes: one lease, one /v2/payment, one QR for all', async () => {
    await addTerminals(20)
    const pools = Array.from({ length: 5 }, () => pool().pool)
    const attemptId = nextAttempt++
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pools[i % 5].start({ attemptId, amountTenge: 50_000 })),
    )
    assert.equal(fleet.totalCalls('payment'), 1)
    assert.equal((await leased()).length, 1)
    assert.equal(new Set(results.map((r) => `${r.terminalId}/${r.processId}/${r.qrCode}`)).size, 1)
    assert.match(results[0].paymentUrl, /^https:\/\/pay\.kaspi\.kz\/pay\/p\d+$/)
    assert.match(results[0].qrCode, /^https:\/\/qr\.kaspi\.kz\/p\d+$/)
  })

  it('200 attempts at once on 20 terminals: 20 leased, never two on one terminal, the rest TERMINALS_BUSY', async () => {
    await addTerminals(20)
    const pools = Array.from({ length: 4 }, () => pool().pool)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => pools[i % 4].start({ attemptId: nextAttempt++, amountTenge: 1_000 + i })),
    )
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    const refused = outcomes.filter((o) => o.status === 'rejected')
    assert.equal(won.length, 20)
    assert.equal(new Set(won.map((o) => o.value.terminalId)).size, 20)
    for (const o of refused) assert.ok(PaymentsError.is(o.reason, 'TERMINALS_BUSY'), String(o.reason))
    assert.equal(fleet.doubleLeases.length, 0)
    assert.equal(fleet.totalCalls('payment'), 20)
    const leases = await leased()
    assert.equal(leases.length, 20)
    assert.equal(new Set(leases.map((t) => t.leaseAttemptId)).size, 20)
    // The error the integrator sees is the seed's.
    const busy = refused[0] as PromiseRejectedResult
    assert.equal(
      PaymentsError.catalogue[busy.reason.code as 'TERMINALS_BUSY'].message,
      'Все терминалы заняты, попробуйте позже',
    )
  })

  it('a process killed mid-lease leaves lease rows; after the lease timeout they are reclaimed with /v2/cancel', async () => {
    await addTerminals(2)
    const dead = pool().pool
    const waiting = await dead.start({ attemptId: nextAttempt++, amountTenge: 5_000 })
    // A second process died between taking its lease and hearing from the terminal: a lease and a `starting` row.
    const starting = nextAttempt++
    const now = clock.now()
    const lease = await repo().lease({
      attemptId: starting,
      amountTenge: 7_000,
      now,
      expiresAt: new Date(now.getTime() + LEASE_MS),
      exclude: [],
    })
    assert.notEqual(typeof lease, 'string')
    assert.equal((await leased()).length, 2)

    const survivor = pool()
    await assert.rejects(survivor.pool.start({ attemptId: nextAttempt++, amountTenge: 1 }), (e) =>
      PaymentsError.is(e, 'TERMINALS_BUSY'),
    )
    const settled: [number, TerminalOutcome][] = []
    const round = poller(survivor, settled)
    assert.equal((await round.round()).reclaimed, 0, 'nothing is reclaimed before the timeout')

    clock.advance(LEASE_MS + 1)
    const result = await round.round()
    assert.equal(result.reclaimed, 2)
    assert.equal((await leased()).length, 0)
    const name = `t${waiting.terminalId}`
    assert.equal(fleet.calls(name, 'cancel'), 1)
    assert.equal(fleet.terminal(name).processes.get(waiting.processId)?.data.status, 'fail')
    // Both attempts are handed to the payments module as failed, once.
    await round.round()
    const waitingAttempt = starting - 1
    assert.deepEqual(settled.map(([id, outcome]) => [id, outcome.state]).sort(), [
      [waitingAttempt, 'failed'],
      [starting, 'failed'],
    ])
    // The terminals take payments again.
    const again = await survivor.pool.start({ attemptId: nextAttempt++, amountTenge: 2_000 })
    assert.ok(again.processId)
  })

  it('a payment made before the lease ran out is recorded as paid, never cancelled', async () => {
    await addTerminals(1)
    const p = pool()
    const attemptId = nextAttempt++
    const started = await p.pool.start({ attemptId, amountTenge: 10_000 })
    fleet.pay('t1', started.processId)
    clock.advance(LEASE_MS + 1)
    const settled: [number, TerminalOutcome][] = []
    await poller(p, settled).round()
    assert.equal(fleet.calls('t1', 'cancel'), 0)
    assert.deepEqual(settled, [
      [
        attemptId,
        { state: 'paid', amountTiyn: 1_000_000n, productType: 'Gold', transactionId: `tx-${started.processId}` },
      ],
    ])
  })

  it('status asked 100 times at once, from 3 processes: one terminal call; again a second later: one more', async () => {
    await addTerminals(1)
    const pools = Array.from({ length: 3 }, () => pool().pool)
    const attemptId = nextAttempt++
    await pools[0].start({ attemptId, amountTenge: 3_000 })
    const ask = () => Promise.all(Array.from({ length: 100 }, (_, i) => pools[i % 3].check(attemptId)))
    const first = await ask()
    assert.equal(fleet.calls('t1', 'status'), 1)
    assert.ok(first.every((o) => o.state === 'waiting'))
    await ask()
    assert.equal(fleet.calls('t1', 'status'), 1, 'within the second: no new call')
    clock.advance(1_000)
    await ask()
    assert.equal(fleet.calls('t1', 'status'), 2)
  })

  it('reads the amount and product actually paid; a success without an amount is not a payment of 0', async () => {
    await addTerminals(1)
    const p = pool().pool
    const credit = nextAttempt++
    const started = await p.start({ attemptId: credit, amountTenge: 114_000 })
    // Paid 100 000 with credit, the amount only on the cheque ("100 000 ₸" with narrow no-break spaces).
    fleet.pay('t1', started.processId, {
      amount: undefined,
      chequeInfo: { method: 'qr', amount: '100\u202f000\u202f₸' },
      productType: 'Credit',
      addInfo: { ProductType: 'Credit', LoanTerm: 12 },
    })
    const paid = await p.check(credit)
    assert.deepEqual(paid, {
      state: 'paid',
      amountTiyn: 10_000_000n,
      productType: 'Credit',
      loanTerm: 12,
      transactionId: `tx-${started.processId}`,
    })
    assert.equal((await leased()).length, 0, 'a final outcome frees the terminal')

    const missing = nextAttempt++
    clock.advance(1_000)
    const second = await p.start({ attemptId: missing, amountTenge: 5_000 })
    fleet.pay('t1', second.processId, { amount: undefined, chequeInfo: { method: 'qr' } })
    assert.deepEqual(await p.check(missing), { state: 'unknown' })
    assert.equal(fleet.calls('t1', 'actualize'), 1, 'an incomplete success is actualized')
  })

  it('the poller settles attempts nobody polls, once', async () => {
    await addTerminals(3)
    const p = pool()
    const paidAttempt = nextAttempt++
    const declinedAttempt = nextAttempt++
    const waitingAttempt = nextAttempt++
    const a = await p.pool.start({ attemptId: paidAttempt, amountTenge: 57_000 })
    const b = await p.pool.start({ attemptId: declinedAttempt, amountTenge: 1_000 })
    await p.pool.start({ attemptId: waitingAttempt, amountTenge: 2_000 })
    fleet.pay(`t${a.terminalId}`, a.processId, { productType: 'Red' })
    fleet.decline(`t${b.terminalId}`, b.processId)
    clock.advance(5_000)
    const settled: [number, TerminalOutcome][] = []
    const round = poller(p, settled)
    const result = await round.round()
    assert.equal(result.checked, 3)
    assert.deepEqual(
      settled.sort((x, y) => x[0] - y[0]),
      [
        [
          paidAttempt,
          { state: 'paid', amountTiyn: 5_700_000n, productType: 'Red', transactionId: `tx-${a.processId}` },
        ],
        [declinedAttempt, { state: 'failed', reason: 'declined' }],
      ],
    )
    clock.advance(5_000)
    await round.round()
    assert.equal(settled.length, 2, 'a settled attempt is not handed over again')
    assert.equal((await leased()).length, 1, 'only the waiting attempt still holds a terminal')
  })

  it('an offline terminal is marked and skipped; all offline is TERMINAL_UNAVAILABLE; it comes back when it answers', async () => {
    await addTerminals(2)
    const p = pool()
    fleet.terminal('t1').online = false
    const started = await p.pool.start({ attemptId: nextAttempt++, amountTenge: 1_000 })
    assert.equal(started.terminalId, 2)
    const t1 = (await repo().listTerminals()).find((t) => t.name === 't1')
    assert.equal(t1?.state, 'offline')
    assert.match(t1?.lastError ?? '', /offline/)
    await p.pool.release((await repo().findProcess(nextAttempt - 1))!.attemptId)
    // The next start does not try t1 again: it is skipped until its retry time.
    const before = fleet.calls('t1', 'payment')
    await p.pool.start({ attemptId: nextAttempt++, amountTenge: 1_000 })
    assert.equal(fleet.calls('t1', 'payment'), before)
    fleet.terminal('t2').online = false
    await p.pool.release(nextAttempt - 1)
    await assert.rejects(p.pool.start({ attemptId: nextAttempt++, amountTenge: 1_000 }), (error) => {
      assert.ok(PaymentsError.is(error, 'TERMINAL_UNAVAILABLE'))
      assert.equal(
        PaymentsError.catalogue.TERMINAL_UNAVAILABLE.message,
        'Терминал недоступен. Проверьте подключение к сети терминалов',
      )
      return true
    })
    fleet.terminal('t1').online = true
    clock.advance(30_000)
    const result = await poller(p, []).round()
    assert.ok(result.probed >= 1)
    assert.equal((await repo().listTerminals()).find((t) => t.name === 't1')?.state, 'online')
  })

  it('release cancels a waiting payment and frees the terminal; twice is the same', async () => {
    await addTerminals(1)
    const p = pool().pool
    const attemptId = nextAttempt++
    const started = await p.start({ attemptId, amountTenge: 1_000 })
    await p.release(attemptId)
    await p.release(attemptId)
    assert.equal(fleet.calls('t1', 'cancel'), 1)
    assert.equal((await leased()).length, 0)
    assert.deepEqual(await p.check(attemptId), { state: 'failed', reason: 'cancelled' })
    assert.equal(fleet.terminal('t1').processes.get(started.processId)?.data.status, 'fail')
  })

  it('refunds through the terminal that took the payment, with its access token', async () => {
    await addTerminals(2)
    const p = pool().pool
    const attemptId = nextAttempt++
    const started = await p.start({ attemptId, amountTenge: 20_000 })
    await assert.rejects(p.refund({ attemptId, amountTenge: 5_000 }), (e) =>
      PaymentsError.is(e, 'TERMINAL_REFUND_NOT_POSSIBLE'),
    )
    const name = `t${started.terminalId}`
    fleet.pay(name, started.processId)
    assert.equal((await p.check(attemptId)).state, 'paid')
    const refund = await p.refund({ attemptId, amountTenge: 5_000 })
    assert.ok(refund.processId)
    assert.deepEqual(fleet.terminal(name).refunds, [
      {
        method: 'qr',
        amountTenge: 5_000,
        transactionId: `tx-${started.processId}`,
        accessToken: `token-${started.terminalId}`,
      },
    ])
    assert.equal((await leased()).length, 0)
    await assert.rejects(p.refund({ attemptId: 999_999, amountTenge: 1 }), (e) =>
      PaymentsError.is(e, 'TERMINAL_PROCESS_NOT_FOUND'),
    )
  })

  it('a disabled terminal takes no payment', async () => {
    const [t1] = await addTerminals(1)
    const admin = createTerminalAdmin({ terminals: repo() })
    await admin.disable(t1.id)
    await assert.rejects(pool().pool.start({ attemptId: nextAttempt++, amountTenge: 1 }), (e) =>
      PaymentsError.is(e, 'TERMINAL_UNAVAILABLE'),
    )
    await admin.enable(t1.id)
    assert.ok(await pool().pool.start({ attemptId: nextAttempt++, amountTenge: 1 }))
  })
})
