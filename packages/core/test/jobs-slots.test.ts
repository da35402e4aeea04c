import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { manualClock, systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue, type JobRowWrite } from '../src/index.ts'
import { eventually, openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
  await db.query(`CREATE TABLE settle_probe (job_id bigint PRIMARY KEY, note text NOT NULL CHECK (note <> 'bad'))`)
})
after(() => db.close())

/** A promise and the function that resolves it. */
function gate() {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

test('a job that hangs holds only its own slot: jobs enqueued after it run while it still hangs', async () => {
  const slow = gate()
  let slowStarted = false
  const fastDone: number[] = []
  const worker = createWorker({
    db,
    clock: systemClock,
    concurrency: 4,
    batchSize: 8,
    pollIntervalMs: 20,
    handlers: {
      'slots.slow': async () => {
        slowStarted = true
        await slow.opened
      },
      'slots.fast': async (job) => {
        fastDone.push((job.payload as { n: number }).n)
      },
    },
  })
  await db.transaction((tx) => enqueue(tx, 'slots.slow', {}))
  await worker.start()
  try {
    await eventually(async () => slowStarted, 5_000, 'the slow job running')
    const enqueuedAt = performance.now()
    await db.transaction(async (tx) => {
      for (let n = 0; n < 10; n++) await enqueue(tx, 'slots.fast', { n })
    })
    // Done means settled: a slot is free again as soon as its run ends, while the settle statement still commits.
    const fastSettled = async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM job WHERE kind = 'slots.fast' AND status = 'done'`,
      )
      return rows[0].n === 10
    }
    await eventually(fastSettled, 5_000, 'the ten fast jobs run and settled')
    assert.equal(fastDone.length, 10)
    const elapsed = performance.now() - enqueuedAt
    // Ten jobs over three free slots, claimed after a 20 ms poll: far below the second the bound allows.
    assert.ok(elapsed < 1_000, `fast jobs done ${Math.round(elapsed)} ms after they were enqueued`)
    const { rows } = await db.query<{ kind: string; status: string }>(
      `SELECT kind, status FROM job WHERE kind LIKE 'slots.%' GROUP BY kind, status ORDER BY kind`,
    )
    assert.deepEqual(rows, [
      { kind: 'slots.fast', status: 'done' },
      { kind: 'slots.slow', status: 'pending' },
    ])
  } finally {
    slow.open()
    await worker.stop()
  }
  const { rows } = await db.query<{ status: string }>(`SELECT status FROM job WHERE kind = 'slots.slow'`)
  assert.deepEqual(rows, [{ status: 'done' }], 'stop waits for the held job to run and settle')
})

test('a polling worker never runs more jobs at once than its concurrency', async () => {
  let inFlight = 0
  let most = 0
  let done = 0
  const worker = createWorker({
    db,
    clock: systemClock,
    concurrency: 3,
    batchSize: 10,
    pollIntervalMs: 10,
    handlers: {
      'slots.counted': async () => {
        most = Math.max(most, ++inFlight)
        await new Promise((resolve) => setTimeout(resolve, 5))
        inFlight--
        done++
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let n = 0; n < 40; n++) await enqueue(tx, 'slots.counted', { n })
  })
  await worker.start()
  await eventually(async () => done === 40, 10_000, 'forty jobs done')
  await worker.stop()
  assert.equal(most, 3)
})

/** A row for settle_probe, committed with its job's outcome. */
const insertProbes = (rows: string) => `INSERT INTO settle_probe (job_id, note) SELECT job_id, note FROM ${rows}`
const probe = (jobId: number, note: string): JobRowWrite => ({
  statement: insertProbes,
  columns: [
    ['job_id', 'bigint'],
    ['note', 'text'],
  ],
  row: [jobId, note],
})

/** The ids of the jobs of a kind, in the order they were enqueued. */
async function idsOf(kind: string): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT id::int FROM job WHERE kind = $1 ORDER BY id', [kind])
  return rows.map((row) => row.id)
}

/** The database with its settle statements counted. */
function countingSettles(inner: Database) {
  const counter = { settles: 0 }
  const database: Database = Object.assign(Object.create(inner) as Database, {
    query: ((sql: string, params?: unknown[]) => {
      if (sql.includes('settled AS (')) counter.settles++
      return inner.query(sql, params)
    }) as Database['query'],
  })
  return { database, counter }
}

test('runs finishing together settle in fewer statements than runs, each with its own rows', async () => {
  const { database, counter } = countingSettles(db)
  const release = gate()
  const worker = createWorker({
    db: database,
    clock: manualClock(),
    concurrency: 8,
    batchSize: 8,
    handlers: {
      'settle.together': async (job, run) => {
        await release.opened
        run.settleWith(probe(job.id, `note ${(job.payload as { n: number }).n} 'quoted', "double", \\ {a,b}`))
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let n = 0; n < 8; n++) await enqueue(tx, 'settle.together', { n })
  })
  const ids = await idsOf('settle.together')
  const running = worker.runDue()
  setTimeout(release.open, 50)
  assert.equal(await running, 8)
  assert.ok(counter.settles < 8, `${counter.settles} settle statements for 8 runs`)
  const { rows } = await db.query<{ status: string; note: string; outcome: string }>(
    `SELECT j.status, p.note, a.outcome FROM job j JOIN settle_probe p ON p.job_id = j.id
     JOIN job_attempt a ON a.job_id = j.id WHERE j.id = ANY($1::bigint[]) ORDER BY j.id`,
    [ids],
  )
  assert.deepEqual(
    rows,
    ids.map((_, n) => ({ status: 'done', note: `note ${n} 'quoted', "double", \\ {a,b}`, outcome: 'done' })),
  )
})

test('a run whose write fails commits nothing of its own and does not hold back the runs settled beside it', async () => {
  const release = gate()
  const errors: string[] = []
  const worker = createWorker({
    db,
    clock: manualClock(),
    concurrency: 4,
    batchSize: 4,
    retrySchedule: [1_000],
    handlers: {
      'settle.mixed': async (job, run) => {
        await release.opened
        const { bad } = job.payload as { bad: boolean }
        run.settleWith(probe(job.id, bad ? 'bad' : 'good'))
      },
    },
    onError: (_job, error) => errors.push(String(error)),
  })
  await db.transaction(async (tx) => {
    for (const bad of [false, true, false, false]) await enqueue(tx, 'settle.mixed', { bad })
  })
  const ids = await idsOf('settle.mixed')
  const running = worker.runDue()
  setTimeout(release.open, 50)
  await assert.rejects(running, /settle_probe/)
  const { rows } = await db.query<{ id: number; status: string; probe: string | null; outcome: string | null }>(
    `SELECT j.id::int, j.status, p.note AS probe, a.outcome FROM job j LEFT JOIN settle_probe p ON p.job_id = j.id
     JOIN job_attempt a ON a.job_id = j.id WHERE j.id = ANY($1::bigint[]) ORDER BY j.id`,
    [ids],
  )
  assert.deepEqual(
    rows.map(({ status, probe, outcome }) => ({ status, probe, outcome })),
    [
      { status: 'done', probe: 'good', outcome: 'done' },
      // Neither its row, nor its outcome, nor its history: it runs again when its lease ends.
      { status: 'pending', probe: null, outcome: null },
      { status: 'done', probe: 'good', outcome: 'done' },
      { status: 'done', probe: 'good', outcome: 'done' },
    ],
  )
  assert.ok(
    errors.some((e) => /settle_probe/.test(e)),
    'the failed settle is reported',
  )
})

test('a run that fails to settle while another still runs is reported once every run has settled', async () => {
  const release = gate()
  const worker = createWorker({
    db,
    clock: manualClock(),
    concurrency: 2,
    batchSize: 2,
    retrySchedule: [1_000],
    handlers: {
      'settle.early': async (job, run) => {
        const { bad } = job.payload as { bad: boolean }
        // The bad run finishes (and fails to settle) at once; the other one only later.
        if (!bad) await release.opened
        run.settleWith(probe(job.id, bad ? 'bad' : 'late'))
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'settle.early', { bad: true })
    await enqueue(tx, 'settle.early', { bad: false })
  })
  const running = worker.runDue()
  setTimeout(release.open, 200)
  await assert.rejects(running, /settle_probe/)
  const { rows } = await db.query<{ status: string; note: string | null }>(
    `SELECT j.status, p.note FROM job j LEFT JOIN settle_probe p ON p.job_id = j.id
     WHERE j.kind = 'settle.early' ORDER BY j.id`,
  )
  assert.deepEqual(rows, [
    { status: 'pending', note: null },
    { status: 'done', note: 'late' },
  ])
})

test('runs waiting for a slow settle do not hold back the next claim; claims stop once a batch of them waits', async () => {
  // Every settle statement waits until released: a commit far slower than the runs.
  const commits = gate()
  let waitingSettles = 0
  const database: Database = Object.assign(Object.create(db) as Database, {
    query: (async (sql: string, params?: unknown[]) => {
      if (sql.includes('settled AS (')) {
        waitingSettles++
        await commits.opened
      }
      return db.query(sql, params)
    }) as Database['query'],
  })
  const ran: number[] = []
  const worker = createWorker({
    db: database,
    clock: systemClock,
    concurrency: 2,
    batchSize: 4,
    pollIntervalMs: 20,
    handlers: {
      'settle.slow': async (job) => {
        ran.push((job.payload as { n: number }).n)
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let n = 0; n < 12; n++) await enqueue(tx, 'settle.slow', { n })
  })
  await worker.start()
  // With the runs waiting to settle counted against the claim, only the first claim (4) would have run.
  await eventually(async () => ran.length > 4, 10_000, 'jobs claimed and run while the first ones wait to settle')
  await new Promise((resolve) => setTimeout(resolve, 200))
  // No claim once a batch's worth waits to settle: what ran is at most twice the batch size.
  assert.ok(ran.length <= 8, `${ran.length} runs while no settle committed`)
  assert.ok(waitingSettles >= 1)
  commits.open()
  await eventually(async () => ran.length === 12, 10_000, 'every job run once the settles commit')
  await worker.stop()
  const { rows } = await db.query<{ status: string; count: number }>(
    `SELECT status, count(*)::int AS count FROM job WHERE kind = 'settle.slow' GROUP BY status`,
  )
  assert.deepEqual(rows, [{ status: 'done', count: 12 }])
  assert.deepEqual(
    [...ran].sort((a, b) => a - b),
    Array.from({ length: 12 }, (_, n) => n),
  )
})
