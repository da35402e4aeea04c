import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { type Database, manualClock, openDatabase } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import type { ReconciliationReport, TerminalTransaction } from '../src/modules/terminals/reconcile.ts'
import { createRunRepository } from '../src/modules/terminals/runs.ts'
import { createReconciliationSchedule } from '../src/modules/terminals/schedule.ts'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef-0123456789'
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
/** 2026-12-03 03:59 in Almaty (UTC+5): a minute before the daily run. */
const BEFORE_RUN = new Date('2026-12-02T22:59:00Z')
/** Almaty's 2026-12-02, as instants. */
const DEC_2 = { from: '2026-12-01T19:00:00.000Z', to: '2026-12-02T19:00:00.000Z' }

/** The daily reconciliation (issue 10, must-be-true 5): once a day per database, whatever the number of processes. */
describe('daily terminal reconciliation', () => {
  let db: Database
  const clock = manualClock(BEFORE_RUN)
  /** The history each terminal read shows, and every read asked of it. */
  const reads: { terminalId: number; from: string; to: string }[] = []
  let historyFails = false
  const instances: PaymentsApp[] = []
  const pools: Database[] = []

  /**
   * Another process's connections to the same database: on PostgreSQL a pool of its own; PGlite belongs to this
   * process alone, so there the instances share it.
   */
  async function ownConnections(): Promise<Database> {
    const adminUrl = process.env.TEST_DATABASE_URL
    if (!adminUrl) return db
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name')
    const url = new URL(adminUrl)
    url.pathname = `/${rows[0].name}`
    const pool = await openDatabase({ url: url.toString(), migrationsDir: paymentsMigrations, poolSize: 5 })
    pools.push(pool)
    return pool
  }

  /** One payments process on the shared database, with the injected clock and a fake terminal history. */
  async function instance(): Promise<PaymentsApp> {
    const app = await buildPaymentsApp({
      config: loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: ADMIN_TOKEN }),
      db: instances.length === 0 ? db : await ownConnections(),
      clock,
      background: false,
      overrides: {
        terminals: {
          history: {
            async transactions(terminal, period) {
              reads.push({ terminalId: terminal.id, from: period.from.toISOString(), to: period.to.toISOString() })
              // Slow enough that concurrent ticks overlap the run.
              await new Promise((resolve) => setTimeout(resolve, 20))
              if (historyFails) throw new Error('report not ready')
              const stranger: TerminalTransaction = {
                kind: 'purchase',
                transactionId: `stranger-${terminal.id}`,
                amountTiyn: 250_000n,
                at: period.from,
              }
              return [stranger]
            },
          },
        },
      },
    })
    instances.push(app)
    return app
  }

  before(async () => {
    db = await openTestDatabase(paymentsMigrations)
  })
  after(async () => {
    await Promise.all(instances.map((i) => i.app.close()))
    await Promise.all(pools.map((p) => p.close()))
    await db.close()
  })
  beforeEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.app.close()))
    await Promise.all(pools.splice(0).map((p) => p.close()))
    await db.exec('TRUNCATE terminal_reconciliation, kaspi_terminal_refund, kaspi_terminal_process, kaspi_terminal')
    reads.length = 0
    historyFails = false
    clock.set(BEFORE_RUN)
  })

  async function addTerminal(app: PaymentsApp, name: string) {
    const added = await app.app.inject({
      method: 'POST',
      url: '/api/admin/terminals',
      headers: auth,
      payload: { name, base_url: 'http://terminal.test:8080', access_token: 't', camera_id: '1' },
    })
    assert.equal(added.statusCode, 201, added.body)
  }

  it('is due at 04:00 Almaty for the previous local day; before that, the day before (if still owed)', async () => {
    const { schedule } = (await instance()).services.terminals
    assert.equal(schedule.dueDay(BEFORE_RUN), '2026-12-01')
    assert.equal(schedule.dueDay(new Date('2026-12-02T23:00:00Z')), '2026-12-02')
    assert.equal(schedule.dueDay(new Date('2026-12-03T18:59:59Z')), '2026-12-02')
    assert.equal(schedule.dueDay(new Date('2026-12-03T19:00:00Z')), '2026-12-02')
    assert.equal(schedule.dueDay(new Date('2026-12-03T23:00:00Z')), '2026-12-03')
  })

  it('two processes on one database ticking at once: one run of the previous day, stored and listed', async () => {
    const [a, b] = [await instance(), await instance()]
    await addTerminal(a, 'Касса 1')
    await addTerminal(a, 'Касса 2')
    clock.set(new Date('2026-12-02T23:00:00Z')) // 04:00 on 2026-12-03 in Almaty
    const ticks = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).services.terminals.schedule.tick()),
    )
    const ran = ticks.filter((t) => t.ran)
    assert.equal(ran.length, 1, JSON.stringify(ticks))
    assert.deepEqual(ran[0], { ran: true, day: '2026-12-02', mismatches: 2, unreadable: 0 })
    assert.ok(ticks.every((t) => t.ran || t.reason === 'taken'))
    // Each terminal's history was read once, for Almaty's 2026-12-02.
    assert.deepEqual(
      reads.map((r) => [r.from, r.to]),
      [
        [DEC_2.from, DEC_2.to],
        [DEC_2.from, DEC_2.to],
      ],
    )

    // Later the same day, nobody runs it again.
    clock.advance(6 * 3_600_000)
    assert.deepEqual(await b.services.terminals.schedule.tick(), { ran: false, day: '2026-12-02', reason: 'taken' })
    assert.equal(reads.length, 2)

    const listed = await b.app.inject({ method: 'GET', url: '/api/admin/terminals/reconciliations', headers: auth })
    assert.equal(listed.statusCode, 200, listed.body)
    const [run, ...others] = listed.json().data
    assert.equal(others.length, 0)
    assert.equal(run.day, '2026-12-02')
    assert.equal(run.status, 'done')
    assert.deepEqual([run.from, run.to, run.mismatches, run.unreadable, run.attempts], [DEC_2.from, DEC_2.to, 2, 0, 1])
    assert.deepEqual(
      run.report.mismatches.map((m: { kind: string; amount: number }) => [m.kind, m.amount]),
      [
        ['unknown_transaction', 2_500],
        ['unknown_transaction', 2_500],
      ],
    )

    // The next day at 04:00: the next run.
    clock.set(new Date('2026-12-03T23:00:00Z'))
    const next = await a.services.terminals.schedule.tick()
    assert.deepEqual(next, { ran: true, day: '2026-12-03', mismatches: 2, unreadable: 0 })
    const days = (
      await a.app.inject({ method: 'GET', url: '/api/admin/terminals/reconciliations?limit=1', headers: auth })
    )
      .json()
      .data.map((r: { day: string }) => r.day)
    assert.deepEqual(days, ['2026-12-03'])
  })

  it('a run that fails is stored as failed and tried again by any process once its retry time has come', async () => {
    const [a, b] = [await instance(), await instance()]
    await addTerminal(a, 'Касса 1')
    clock.set(new Date('2026-12-02T23:00:00Z'))
    // A history read that throws is an unreadable terminal, not a failed run: the run fails when the database does.
    const runs = createRunRepository(db)
    const failing = createReconciliationSchedule({
      runs,
      reconcile: async () => {
        throw new Error('database went away')
      },
      clock,
      log: { info() {}, warn() {} },
      at: '04:00',
      timeZone: 'Asia/Almaty',
      worker: 'dying',
      retryMs: 15 * 60_000,
    })
    assert.deepEqual(await failing.tick(), { ran: true, day: '2026-12-02', error: 'database went away' })
    const [failed] = await runs.list(5)
    assert.deepEqual([failed.status, failed.error, failed.attempts], ['failed', 'database went away', 1])
    clock.advance(14 * 60_000)
    assert.deepEqual(await a.services.terminals.schedule.tick(), { ran: false, day: '2026-12-02', reason: 'taken' })
    clock.advance(60_000)
    historyFails = true
    const retried = await b.services.terminals.schedule.tick()
    assert.deepEqual(retried, { ran: true, day: '2026-12-02', mismatches: 0, unreadable: 1 })
    const [done] = await runs.list(5)
    assert.deepEqual([done.status, done.error, done.attempts], ['done', null, 2])
  })

  it('a run whose process died is taken over once its lease lapses, and the dead one cannot store over it', async () => {
    const a = await instance()
    await addTerminal(a, 'Касса 1')
    clock.set(new Date('2026-12-02T23:00:00Z'))
    const runs = createRunRepository(db)
    const now = clock.now()
    const lease = { day: '2026-12-02', from: new Date(DEC_2.from), to: new Date(DEC_2.to), now }
    assert.ok(await runs.claim({ ...lease, worker: 'crashed', leaseUntil: new Date(now.getTime() + 30 * 60_000) }))
    assert.equal((await a.services.terminals.schedule.tick()).ran, false)
    clock.advance(30 * 60_000)
    assert.deepEqual(await a.services.terminals.schedule.tick(), {
      ran: true,
      day: '2026-12-02',
      mismatches: 1,
      unreadable: 0,
    })
    const stale = { day: '2026-12-02', worker: 'crashed', now: clock.now(), mismatches: 0, unreadable: 0, report: {} }
    assert.equal(await runs.finish(stale), false)
    assert.equal((await runs.list(1))[0].mismatches, 1)
  })

  it('logs each mismatch of a run as a warning', async () => {
    clock.set(new Date('2026-12-02T23:00:00Z'))
    const warnings: [object, string][] = []
    const report: ReconciliationReport = {
      from: new Date(DEC_2.from),
      to: new Date(DEC_2.to),
      terminals: 1,
      transactions: 1,
      captures: 1,
      refunds: 1,
      unreadable: [{ terminalId: 2, error: 'HTTP 503' }],
      mismatches: [
        { kind: 'missing_refund', terminalId: 1, refundId: 7, attemptId: 3, reference: null, amountTiyn: 100_000n },
      ],
    }
    const schedule = createReconciliationSchedule({
      runs: createRunRepository(db),
      reconcile: async () => report,
      clock,
      log: { info() {}, warn: (object, message) => warnings.push([object, message]) },
      at: '04:00',
      timeZone: 'Asia/Almaty',
      worker: 'w',
    })
    await schedule.tick()
    assert.deepEqual(warnings, [
      [
        {
          day: '2026-12-02',
          mismatch: {
            kind: 'missing_refund',
            terminal_id: 1,
            attempt_id: 3,
            refund_id: 7,
            refund_reference: null,
            amount: 1_000,
          },
        },
        'terminal reconciliation mismatch',
      ],
      [{ day: '2026-12-02', terminal_id: 2, error: 'HTTP 503' }, 'terminal reconciliation: history unreadable'],
    ])
  })

  it('refuses a malformed time of day or an unknown time zone at start', async () => {
    assert.throws(() => loadPaymentsConfig({ PAYMENTS_RECONCILE_AT: '4:00' }))
    const schedule = (timeZone: string, at: string) =>
      createReconciliationSchedule({
        runs: createRunRepository(db),
        reconcile: async () => {
          throw new Error('not called')
        },
        clock,
        log: { info() {}, warn() {} },
        at,
        timeZone,
        worker: 'w',
      })
    assert.throws(() => schedule('Asia/Almatyy', '04:00'), /unknown time zone/)
    assert.throws(() => schedule('Asia/Almaty', '25:00'), /HH:MM/)
  })
})
