import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Registry } from 'prom-client'
import { manualClock, systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import {
  blockedJobGroups,
  coreMigrationsDir,
  createWorker,
  discardDeadJob,
  enqueue,
  enqueueKeyed,
  registerJobMetrics,
  retryDeadJob,
} from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { drained } from './jobs-drain.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

/** Counts jobs running per group and overall, and the order each group's jobs ran in. */
function runLog() {
  const running = new Map<string, number>()
  const order = new Map<string, number[]>()
  let inFlight = 0
  return {
    peakPerGroup: 0,
    peakOverall: 0,
    order,
    async run(group: string, n: number, work: () => Promise<void>) {
      const now = (running.get(group) ?? 0) + 1
      running.set(group, now)
      inFlight++
      this.peakPerGroup = Math.max(this.peakPerGroup, now)
      this.peakOverall = Math.max(this.peakOverall, inFlight)
      try {
        await work()
        order.set(group, [...(order.get(group) ?? []), n])
      } finally {
        running.set(group, (running.get(group) ?? 1) - 1)
        inFlight--
      }
    },
  }
}

test('two worker loops never run two jobs of one group at once, and each group runs in enqueue order', async () => {
  const log = runLog()
  const failedOnce = new Set<string>()
  type Step = { group: string; n: number }
  const handlers = {
    step: async (job: { payload: unknown }) => {
      const { group, n } = job.payload as Step
      await log.run(group, n, async () => {
        await sleep(1 + Math.random() * 6)
        // Every third job fails once: its retry must still come before the next job of its group.
        if (n % 3 === 0 && !failedOnce.has(`${group}:${n}`)) {
          failedOnce.add(`${group}:${n}`)
          throw new Error('first try fails')
        }
      })
    },
  }
  const workers = ['a', 'b'].map((id) =>
    createWorker({
      db,
      clock: systemClock,
      handlers,
      workerId: `worker-${id}`,
      concurrency: 4,
      batchSize: 8,
      pollIntervalMs: 5,
      retrySchedule: [10, 10, 10],
    }),
  )
  const groups = ['cashbox-1', 'cashbox-2', 'cashbox-3', 'cashbox-4']
  const perGroup = 10
  // Half the jobs wait before the workers start; the other half arrive while they run, one transaction each.
  await db.transaction(async (tx) => {
    for (let n = 0; n < perGroup / 2; n++) {
      for (const group of groups) await enqueue(tx, 'step', { group, n }, { group })
    }
  })
  await Promise.all(workers.map((worker) => worker.start()))
  try {
    for (let n = perGroup / 2; n < perGroup; n++) {
      for (const group of groups) await db.transaction((tx) => enqueue(tx, 'step', { group, n }, { group }))
      await sleep(3)
    }
    await drained(db, ['step'])
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()))
  }
  assert.equal(log.peakPerGroup, 1, 'two jobs of one group ran at the same time')
  assert.ok(log.peakOverall >= 2, `jobs of different groups should run side by side (peak ${log.peakOverall})`)
  const expected = Array.from({ length: perGroup }, (_, n) => n)
  for (const group of groups) assert.deepEqual(log.order.get(group), expected, `order of ${group}`)
})

test('an enqueue that commits late is not overtaken by a later one of its group', async () => {
  const log = runLog()
  const worker = createWorker({
    db,
    clock: systemClock,
    pollIntervalMs: 5,
    concurrency: 2,
    handlers: {
      late: async (job) => {
        const { n } = job.payload as { n: number }
        await log.run('payment-7', n, () => sleep(50))
      },
    },
  })
  await worker.start()
  try {
    let firstEnqueued!: () => void
    const enqueued = new Promise<void>((resolve) => {
      firstEnqueued = resolve
    })
    // The first transaction enqueues and then works on before it commits; the second enqueues meanwhile. Without
    // the group lock the second would commit first and run, and the first, placed before it, would run beside it.
    const first = db.transaction(async (tx) => {
      await enqueue(tx, 'late', { n: 1 }, { group: 'payment-7' })
      firstEnqueued()
      await sleep(150)
    })
    await enqueued
    const second = db.transaction((tx) => enqueue(tx, 'late', { n: 2 }, { group: 'payment-7' }))
    await Promise.all([first, second])
    await drained(db, ['late'])
  } finally {
    await worker.stop()
  }
  assert.deepEqual(log.order.get('payment-7'), [1, 2])
  assert.equal(log.peakPerGroup, 1)
})

test('a dead job stops its group until retried or discarded; blocked groups are listed and counted', async () => {
  const clock = manualClock()
  const registry = new Registry()
  const ran: string[] = []
  const failing = new Set(['r1', 'd1'])
  const worker = createWorker({
    db,
    clock,
    retrySchedule: [],
    handlers: {
      blocky: async (job) => {
        const { name } = job.payload as { name: string }
        ran.push(name)
        if (failing.has(name)) throw new Error(`${name} refused`)
      },
    },
  })
  registerJobMetrics(registry, db, [worker])
  const idOf = async (name: string) =>
    (await db.query<{ id: number }>(`SELECT id FROM job WHERE payload->>'name' = $1`, [name])).rows[0].id
  await db.transaction(async (tx) => {
    for (const name of ['r1', 'r2']) await enqueue(tx, 'blocky', { name }, { group: 'retried' })
    for (const name of ['d1', 'd2']) await enqueue(tx, 'blocky', { name }, { group: 'discarded' })
  })
  assert.equal(await worker.runDue(), 2, 'only the head of each group runs')
  assert.equal(await worker.runDue(), 0, 'the dead heads stop their groups')
  await db.transaction((tx) => enqueue(tx, 'blocky', { name: 'free' }))
  assert.equal(await worker.runDue(), 1, 'a job outside the groups still runs')
  assert.deepEqual(ran.sort(), ['d1', 'free', 'r1'])

  const blocked = await blockedJobGroups(db)
  assert.deepEqual(
    blocked
      .map(({ group, jobId, kind, error, waiting }) => ({ group, jobId, kind, error, waiting }))
      .sort((a, b) => a.group.localeCompare(b.group)),
    [
      { group: 'discarded', jobId: await idOf('d1'), kind: 'blocky', error: 'd1 refused', waiting: 1 },
      { group: 'retried', jobId: await idOf('r1'), kind: 'blocky', error: 'r1 refused', waiting: 1 },
    ],
  )
  assert.match(await registry.metrics(), /^jobs_blocked_groups 2$/m)

  failing.clear()
  ran.length = 0
  assert.equal(await retryDeadJob(db, await idOf('r1')), true)
  assert.equal(await discardDeadJob(db, await idOf('d1'), clock.now()), true)
  assert.equal(await retryDeadJob(db, await idOf('d1')), false, 'a discarded job is no longer dead')
  assert.deepEqual(await blockedJobGroups(db), [])
  assert.match(await registry.metrics(), /^jobs_blocked_groups 0$/m)
  await worker.runDue()
  await worker.runDue()
  assert.deepEqual(ran.sort(), ['d2', 'r1', 'r2'], 'the retried job ran, then each group went on')
  const { rows } = await db.query(`SELECT payload->>'name' AS name, status FROM job WHERE kind = 'blocky' ORDER BY id`)
  assert.deepEqual(rows, [
    { name: 'r1', status: 'done' },
    { name: 'r2', status: 'done' },
    { name: 'd1', status: 'discarded' },
    { name: 'd2', status: 'done' },
    { name: 'free', status: 'done' },
  ])
})

test('a finished keyed job revived in its group goes behind the jobs already waiting there', async () => {
  const clock = manualClock()
  const ran: string[] = []
  const worker = createWorker({
    db,
    clock,
    handlers: { sync: async (job) => void ran.push((job.payload as { v: string }).v) },
  })
  await db.transaction((tx) => enqueueKeyed(tx, 'sync', 'sync-payment-9', { v: 'first run' }, { group: 'payment-9' }))
  await worker.runDue()
  await db.transaction(async (tx) => {
    await enqueue(tx, 'sync', { v: 'next in line' }, { group: 'payment-9' })
    await enqueueKeyed(tx, 'sync', 'sync-payment-9', { v: 'revived' }, { group: 'payment-9' })
  })
  await worker.runDue()
  await worker.runDue()
  assert.deepEqual(ran, ['first run', 'next in line', 'revived'])
})

test('a run re-armed by a transaction that commits while its settle statement waits for the row chains nothing past it', async (t) => {
  // Two connections at once: PostgreSQL only (PGlite runs one statement at a time).
  if (db.kind !== 'postgres') return t.skip('needs PostgreSQL')
  const ran: string[] = []
  let inGroup = 0
  let peak = 0
  let rearm: Promise<void> | undefined
  let commit!: () => void
  const gate = new Promise<void>((resolve) => {
    commit = resolve
  })
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'rearm-race',
    pollIntervalMs: 5,
    concurrency: 2,
    handlers: {
      'rearm-race': async (job) => {
        const { n } = job.payload as { n: number }
        inGroup++
        peak = Math.max(peak, inGroup)
        try {
          if (n === 0 && rearm === undefined) {
            let armed!: () => void
            const locked = new Promise<void>((resolve) => {
              armed = resolve
            })
            // A saga step re-arms the job in a transaction that goes on after the re-arm (it holds the row).
            rearm = db.transaction(async (tx) => {
              await enqueueKeyed(tx, 'rearm-race', 'rearm-race-0', { group: 'rc-1', n: 0 }, { group: 'rc-1' })
              armed()
              await gate
            })
            await locked
          } else {
            await sleep(300)
          }
          ran.push(String(n))
        } finally {
          inGroup--
        }
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueueKeyed(tx, 'rearm-race', 'rearm-race-0', { group: 'rc-1', n: 0 }, { group: 'rc-1' })
    await enqueue(tx, 'rearm-race', { group: 'rc-1', n: 1 }, { group: 'rc-1' })
  })
  await worker.start()
  try {
    // The settle statement of the first run has begun and waits for the re-arming transaction's row lock.
    for (let i = 0; ; i++) {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
      if (rows.length > 0) break
      assert.ok(i < 500, 'the settle statement never waited for the row')
      await sleep(10)
    }
    commit()
    await rearm
    await drained(db, ['rearm-race'], 20_000)
  } finally {
    commit()
    await worker.stop()
  }
  assert.deepEqual({ peak, ran }, { peak: 1, ran: ['0', '0', '1'] }, 'two jobs of the group ran at once')
})
