import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a group’s next job is claimed as soon as the one before it settles, not a poll interval later', async () => {
  const pollIntervalMs = 1_000
  const ran: number[] = []
  const worker = createWorker({
    db,
    clock: systemClock,
    pollIntervalMs,
    concurrency: 2,
    batchSize: 4,
    handlers: {
      paced: async (job) => {
        await sleep(10)
        ran.push((job.payload as { n: number }).n)
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let n = 0; n < 6; n++) await enqueue(tx, 'paced', { n }, { group: 'cashbox:1' })
  })
  const started = Date.now()
  await worker.start()
  try {
    // The first claim waits for one poll interval; one job per poll would take six.
    const deadline = started + 3 * pollIntervalMs
    while (ran.length < 6 && Date.now() < deadline) await sleep(20)
  } finally {
    await worker.stop()
  }
  const elapsed = Date.now() - started
  assert.deepEqual(ran, [0, 1, 2, 3, 4, 5], `in order and all of them within ${elapsed} ms`)
  assert.ok(elapsed < 2.5 * pollIntervalMs, `six jobs of one group took ${elapsed} ms`)
})

test('a done job’s settle leases its group’s next job: a group runs through without a claim between its jobs', async () => {
  const claims = { count: 0 }
  // Counts the claim statements this worker sends; everything else goes through as is.
  const counted: Database = Object.create(db, {
    query: {
      value: (sql: string, params?: unknown[]) => {
        if (sql.includes('claimed AS (')) claims.count++
        return db.query(sql, params)
      },
    },
  })
  const ran: number[] = []
  const prepared: unknown[] = []
  const worker = createWorker({
    db: counted,
    clock: systemClock,
    pollIntervalMs: 1_000,
    concurrency: 2,
    batchSize: 4,
    workerId: 'chain-test',
    handlers: {
      chained: {
        run: async (job, run) => {
          ran.push((job.payload as { n: number }).n)
          prepared.push(run.prepared)
        },
        // Loaded by the settle statement that leases the job: its own payload's n, and where it came from.
        chainedPrepare: {
          ctes: ({ jobs, output }, param) => [
            `${output} AS (SELECT id AS job_id, json_build_object('n', payload->'n', 'via', ${param('settle')}::text)
             AS prepared FROM ${jobs})`,
          ],
          parse: (json) => ({ ...(json as object), parsed: true }),
        },
      },
    },
  })
  const jobs = 30
  await db.transaction(async (tx) => {
    for (let n = 0; n < jobs; n++) await enqueue(tx, 'chained', { n }, { group: 'cashbox:chain' })
  })
  await worker.start()
  try {
    // The first claim comes after one poll interval; a claim after each settle would make about 30 of them.
    const deadline = Date.now() + 6_000
    while (ran.length < jobs && Date.now() < deadline) await sleep(20)
  } finally {
    await worker.stop()
  }
  assert.deepEqual(
    ran,
    Array.from({ length: jobs }, (_, n) => n),
  )
  // The first job was claimed (this kind has no other prepare); every later one was prepared by the settle.
  assert.deepEqual(prepared, [
    undefined,
    ...Array.from({ length: jobs - 1 }, (_, i) => ({ n: i + 1, via: 'settle', parsed: true })),
  ])
  // One claim started the group, and the poll timer may have claimed (nothing) once or twice while it ran: every
  // other job was leased by the settle of the one before it.
  assert.ok(claims.count <= 3, `${claims.count} claims for ${jobs} jobs of one group`)
  const { rows } = await db.query<{ n: number; attempts: number; outcomes: string[]; workers: string[] }>(
    `SELECT (j.payload->>'n')::int AS n, j.attempts, array_agg(a.outcome) AS outcomes, array_agg(a.worker_id) AS workers
     FROM job j JOIN job_attempt a ON a.job_id = j.id WHERE j.kind = 'chained' AND j.status = 'done'
     GROUP BY j.id ORDER BY n`,
  )
  assert.equal(rows.length, jobs, 'every job done')
  for (const row of rows) {
    assert.deepEqual(
      { attempts: row.attempts, outcomes: row.outcomes, workers: row.workers },
      { attempts: 1, outcomes: ['done'], workers: ['chain-test'] },
      `job ${row.n}: one attempt, recorded and finished`,
    )
  }
})
