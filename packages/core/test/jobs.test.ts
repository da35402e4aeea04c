import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Registry } from 'prom-client'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue, enqueueKeyed, RetryLater, registerJobMetrics } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('jobs run once, retries follow the schedule, and a job out of retries is marked dead', async () => {
  const clock = manualClock()
  const calls: string[] = []
  let failuresLeft = 1
  const worker = createWorker({
    db,
    clock,
    retrySchedule: [1_000],
    handlers: {
      ok: async (job) => {
        calls.push(`ok:${(job.payload as { n: number }).n}`)
      },
      flaky: async () => {
        calls.push('flaky')
        if (failuresLeft-- > 0) throw new Error('try again')
      },
      broken: async () => {
        calls.push('broken')
        throw new Error('never works')
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'ok', { n: 1 }, { dedupeKey: 'ok-1' })
    await enqueue(tx, 'ok', { n: 1 }, { dedupeKey: 'ok-1' })
    await enqueue(tx, 'flaky', {})
    await enqueue(tx, 'broken', {})
  })
  await worker.runDue()
  assert.deepEqual(calls.sort(), ['broken', 'flaky', 'ok:1'], 'the duplicate enqueue was ignored')
  assert.equal(await worker.runDue(), 0, 'failed jobs wait for their retry time')
  clock.advance(61_000)
  await worker.runDue()
  const { rows } = await db.query<{ kind: string; status: string; attempts: number }>(
    'SELECT kind, status, attempts FROM job ORDER BY kind',
  )
  assert.deepEqual(rows, [
    { kind: 'broken', status: 'dead', attempts: 2 },
    { kind: 'flaky', status: 'done', attempts: 2 },
    { kind: 'ok', status: 'done', attempts: 1 },
  ])
})

test('a job enqueued in a transaction that rolls back never exists', async () => {
  await assert.rejects(
    db.transaction(async (tx) => {
      await enqueue(tx, 'ok', { n: 2 })
      throw new Error('rollback')
    }),
  )
  const { rows } = await db.query(`SELECT 1 FROM job WHERE payload->>'n' = '2'`)
  assert.deepEqual(rows, [])
})

test('a keyed job re-armed while it runs runs once more; re-arming a finished job revives it', async () => {
  const clock = manualClock()
  const seen: string[] = []
  let rearmDuringRun = true
  const worker = createWorker({
    db,
    clock,
    handlers: {
      sync: async (job) => {
        seen.push((job.payload as { v: string }).v)
        if (rearmDuringRun) {
          rearmDuringRun = false
          await db.transaction((tx) => enqueueKeyed(tx, 'sync', 'sync-1', { v: 'second' }))
        }
      },
    },
  })
  await db.transaction((tx) => enqueueKeyed(tx, 'sync', 'sync-1', { v: 'first' }))
  await db.transaction((tx) => enqueueKeyed(tx, 'sync', 'sync-1', { v: 'first' }))
  await worker.runDue()
  assert.deepEqual(seen, ['first'], 'two requests before the run coalesce into one run')
  await worker.runDue()
  assert.deepEqual(seen, ['first', 'second'], 'the request made during the run is not lost')
  assert.equal(await worker.runDue(), 0)
  await db.transaction((tx) => enqueueKeyed(tx, 'sync', 'sync-1', { v: 'third' }))
  assert.equal(await worker.runKey('sync-1'), true, 'runKey runs a due keyed job in the caller')
  assert.equal(await worker.runKey('sync-1'), false, 'and nothing when it is done')
  assert.deepEqual(seen, ['first', 'second', 'third'])
})

test('RetryLater waits without using up retries; onDead runs once when retries are exhausted', async () => {
  const clock = manualClock()
  let waits = 3
  const dead: string[] = []
  const worker = createWorker({
    db,
    clock,
    handlers: {
      saga: {
        retrySchedule: [1_000],
        run: async () => {
          if (waits-- > 0) throw new RetryLater(100, 'projection lag')
          throw new Error('provider says no')
        },
        onDead: async (job, error) => {
          dead.push(`${job.kind}:${(error as Error).message}`)
        },
      },
    },
  })
  await db.transaction((tx) => enqueueKeyed(tx, 'saga', 'saga-1', {}))
  for (let i = 0; i < 3; i++) {
    assert.equal(await worker.runDue(), 1)
    clock.advance(100)
  }
  const waiting = await db.query<{ attempts: number; status: string }>(
    `SELECT attempts, status FROM job WHERE dedupe_key = 'saga-1'`,
  )
  assert.deepEqual(waiting.rows, [{ attempts: 0, status: 'pending' }], 'three waits used no retry')
  await worker.runDue()
  clock.advance(1_000)
  await worker.runDue()
  assert.deepEqual(dead, ['saga:provider says no'])
  const final = await db.query<{ status: string }>(`SELECT status FROM job WHERE dedupe_key = 'saga-1'`)
  assert.equal(final.rows[0].status, 'dead')
})

test('jobs of one batch run concurrently up to the limit', async () => {
  const clock = manualClock()
  let inFlight = 0
  let peak = 0
  const worker = createWorker({
    db,
    clock,
    concurrency: 3,
    batchSize: 10,
    handlers: {
      slow: async () => {
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 20))
        inFlight--
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let i = 0; i < 7; i++) await enqueue(tx, 'slow', { i })
  })
  assert.equal(await worker.runDue(), 7)
  assert.equal(peak, 3)
})

test('a job running longer than its lease keeps it: no other worker claims it meanwhile', async () => {
  const clock = manualClock()
  const leaseMs = 90
  const runs: number[] = []
  const other = createWorker({ db, clock, leaseMs, handlers: { long: async () => void runs.push(2) } })
  const worker = createWorker({
    db,
    clock,
    leaseMs,
    handlers: {
      long: async () => {
        runs.push(1)
        // Time passes well beyond the first lease while the handler works; the other worker keeps looking.
        for (let step = 0; step < 4; step++) {
          clock.advance(60)
          await new Promise((resolve) => setTimeout(resolve, 100))
          assert.equal(await other.runDue(), 0, `claimed again after ${(step + 1) * 60} ms of a ${leaseMs} ms lease`)
        }
      },
    },
  })
  await db.transaction((tx) => enqueue(tx, 'long', {}, { dedupeKey: 'long-1' }))
  assert.equal(await worker.runDue(), 1)
  assert.deepEqual(runs, [1])
  const { rows } = await db.query<{ status: string }>(`SELECT status FROM job WHERE dedupe_key = 'long-1'`)
  assert.equal(rows[0].status, 'done')
})

test('a worker restarted under the same identity takes back at once the jobs its crashed predecessor held', async () => {
  const clock = manualClock()
  const runs: string[] = []
  // The first incarnation claims the job and never finishes it: the process died in the middle of the handler.
  const crashed = createWorker({
    db,
    clock,
    workerId: 'host-a:8080/tickets#0',
    handlers: { crashy: () => new Promise<void>(() => runs.push('crashed')) },
  })
  await db.transaction((tx) => enqueue(tx, 'crashy', {}, { dedupeKey: 'crashy-1' }))
  void crashed.runDue()
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.deepEqual(runs, ['crashed'])

  const handlers = { crashy: async () => void runs.push('again') }
  // Another worker only sees a leased job: it waits out the 60 s lease, as before.
  const stranger = createWorker({ db, clock, workerId: 'host-b:8080/tickets#0', handlers })
  assert.equal(await stranger.start(), 0)
  await stranger.stop()
  assert.equal(await stranger.runDue(), 0)

  // The restarted worker has the same identity: the job is due for it at once, long before the lease ends.
  const restarted = createWorker({ db, clock, workerId: 'host-a:8080/tickets#0', handlers })
  assert.equal(await restarted.start(), 1, 'one job was still leased to this identity')
  await restarted.stop()
  assert.equal(await restarted.runDue(), 1)
  assert.deepEqual(runs, ['crashed', 'again'])
  const { rows } = await db.query<{ status: string; claimed_by: string | null }>(
    `SELECT status, claimed_by FROM job WHERE dedupe_key = 'crashy-1'`,
  )
  assert.deepEqual(rows, [{ status: 'done', claimed_by: null }])
})

test('job metrics: failed attempts and dead jobs by kind, and the dead jobs waiting in the table', async () => {
  const clock = manualClock()
  const registry = new Registry()
  const worker = createWorker({
    db,
    clock,
    retrySchedule: [1_000],
    handlers: {
      doomed: async () => {
        throw new Error('never works')
      },
    },
  })
  registerJobMetrics(registry, db, [worker])
  await db.transaction((tx) => enqueue(tx, 'doomed', {}))
  await worker.runDue()
  clock.advance(1_000)
  await worker.runDue()
  const text = await registry.metrics()
  assert.match(text, /^jobs_failed_total\{kind="doomed"\} 2$/m)
  assert.match(text, /^jobs_dead_total\{kind="doomed"\} 1$/m)
  assert.match(text, /^jobs_dead\{kind="doomed"\} 1$/m)
})
