import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock } from '../src/clock.ts'
import type { Database, Queryable } from '../src/db.ts'
import {
  coreMigrationsDir,
  createWorker,
  enqueue,
  enqueueKeyed,
  type Job,
  type JobKind,
  type JobRun,
} from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { drained, drainWith } from './jobs-drain.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
  // A kind's own rows that its prepares write (a receipt marked `sending`, say) and its `unprepare` undoes.
  await db.query(
    `CREATE TABLE pipe_mark (job_id bigint PRIMARY KEY, marks int NOT NULL, released int NOT NULL DEFAULT 0)`,
  )
})
after(() => db.close())

async function enqueueAll(kind: string, groups: string[], perGroup: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let n = 0; n < perGroup; n++) for (const group of groups) await enqueue(tx, kind, { group, n }, { group })
  })
}

type Step = { group: string; n: number }

/** The lease state of the job `n` of `group` of `kind`, as the database has it now. */
async function leaseOf(kind: string, group: string, n: number) {
  const { rows } = await db.query<{ claimed_by: string | null; leased: boolean; attempts: number }>(
    `SELECT claimed_by, run_at > now() AS leased, attempts FROM job
     WHERE kind = $1 AND group_key = $2 AND (payload->>'n')::int = $3`,
    [kind, group, n],
  )
  return rows[0]
}

/** A mark per prepared job, as a kind's `prepare` and `chainedPrepare` would write one; counted per job. */
const marking: Pick<JobKind, 'prepare' | 'chainedPrepare' | 'unprepare'> = {
  async prepare(q: Queryable, jobs: readonly Job[]) {
    const { rows } = await q.query<{ job_id: number; marks: number }>(
      `INSERT INTO pipe_mark (job_id, marks) SELECT unnest($1::bigint[]), 1
       ON CONFLICT (job_id) DO UPDATE SET marks = pipe_mark.marks + 1 RETURNING job_id, marks`,
      [jobs.map((j) => j.id)],
    )
    return new Map(rows.map((r) => [Number(r.job_id), { marks: r.marks }]))
  },
  chainedPrepare: {
    ctes: ({ jobs, output }) => [
      `${output} AS (
        INSERT INTO pipe_mark (job_id, marks) SELECT id, 1 FROM ${jobs}
        ON CONFLICT (job_id) DO UPDATE SET marks = pipe_mark.marks + 1
        RETURNING job_id, json_build_object('marks', marks) AS prepared
      )`,
    ],
    parse: (prepared) => prepared,
  },
  unprepare: (job) => [(param) => `UPDATE pipe_mark SET released = released + 1 WHERE job_id = ${param(job.id)}`],
}

test('a pipelined run has its group’s next job leased while it runs; that job starts when it ends and gets what it passed', async () => {
  const seen: { n: number; passed: unknown; nextLeased: boolean | undefined }[] = []
  const perGroup = 6
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-w',
    pollIntervalMs: 5,
    concurrency: 2,
    handlers: {
      piped: {
        pipelined: true,
        async run(job: Job, run: JobRun) {
          const { group, n } = job.payload as Step
          // The lookahead is asked for as the run starts; give its statement time to commit before looking.
          await sleep(40)
          const next = n + 1 < perGroup ? await leaseOf('piped', group, n + 1) : undefined
          seen.push({ n, passed: run.passed, nextLeased: next?.leased && next.claimed_by === 'pipe-w' })
          run.pass(`left by ${n}`)
        },
      },
    },
  })
  await enqueueAll('piped', ['g-1'], perGroup)
  await drainWith(db, [worker], ['piped'])
  assert.deepEqual(
    seen.map((s) => s.n),
    [0, 1, 2, 3, 4, 5],
  )
  for (const { n, passed, nextLeased } of seen) {
    if (n + 1 < perGroup) assert.equal(nextLeased, true, `job ${n + 1} is leased while job ${n} runs`)
    // The first job was claimed, not leased ahead: nothing was passed to it.
    assert.equal(passed, n === 0 ? undefined : `left by ${n - 1}`)
  }
})

test('two pipelined workers with failures: each group runs in order, one at a time, each job once; released jobs keep no attempt', async () => {
  const running = new Map<string, number>()
  const order = new Map<string, number[]>()
  let peakPerGroup = 0
  const failedOnce = new Set<string>()
  const piped: JobKind = {
    pipelined: true,
    ...marking,
    async run(job, run) {
      const { group, n } = job.payload as Step
      assert.ok(run.prepared !== undefined, `job ${group}/${n} runs prepared`)
      const now = (running.get(group) ?? 0) + 1
      running.set(group, now)
      peakPerGroup = Math.max(peakPerGroup, now)
      try {
        await sleep(2 + Math.random() * 8)
        // Every third job fails once: the job leased behind it must be given back, and its retry comes first.
        if (n % 3 === 1 && !failedOnce.has(`${group}:${n}`)) {
          failedOnce.add(`${group}:${n}`)
          throw new Error('first try fails')
        }
        order.set(group, [...(order.get(group) ?? []), n])
      } finally {
        running.set(group, (running.get(group) ?? 1) - 1)
      }
    },
  }
  const workers = ['a', 'b'].map((id) =>
    createWorker({
      db,
      clock: systemClock,
      handlers: { 'piped-2': piped },
      workerId: `pipe-${id}`,
      concurrency: 3,
      batchSize: 6,
      pollIntervalMs: 5,
      retrySchedule: [10, 10, 10],
    }),
  )
  const groups = ['box-1', 'box-2', 'box-3', 'box-4']
  const perGroup = 9
  await enqueueAll('piped-2', groups, perGroup)
  await drainWith(db, workers, ['piped-2'])
  assert.equal(peakPerGroup, 1, 'two jobs of one group ran at the same time')
  const expected = Array.from({ length: perGroup }, (_, n) => n)
  for (const group of groups) assert.deepEqual(order.get(group), expected, `order of ${group}`)

  // A job's attempts are its runs: a lease given back is not one, and leaves no history row.
  const { rows } = await db.query<{ n: number; attempts: number; history: number; open: number }>(
    `SELECT (j.payload->>'n')::int AS n, j.attempts,
       (SELECT count(*)::int FROM job_attempt a WHERE a.job_id = j.id) AS history,
       (SELECT count(*)::int FROM job_attempt a WHERE a.job_id = j.id AND a.finished_at IS NULL) AS open
     FROM job j WHERE j.kind = 'piped-2'`,
  )
  const runsOf = (n: number) => (n % 3 === 1 ? 2 : 1)
  for (const row of rows) {
    assert.equal(row.attempts, runsOf(row.n), `attempts of job ${row.n}`)
    assert.equal(row.history, runsOf(row.n), `history rows of job ${row.n}`)
    assert.equal(row.open, 0)
  }
  // Each run had its job prepared once; every other mark was undone when its lease ahead was given back.
  const marks = await db.query<{ n: number; marks: number; released: number }>(
    `SELECT (j.payload->>'n')::int AS n, m.marks, m.released FROM pipe_mark m JOIN job j ON j.id = m.job_id
     WHERE j.kind = 'piped-2'`,
  )
  assert.equal(marks.rows.length, groups.length * perGroup)
  for (const m of marks.rows)
    assert.equal(m.marks - m.released, runsOf(m.n), `job ${m.n}: marks ${m.marks}, released ${m.released}`)
  const behindFailure = marks.rows.filter((m) => m.n % 3 === 2)
  assert.ok(
    behindFailure.some((m) => m.released > 0),
    'a job leased behind a failing one was released at least once',
  )
})

test('a worker that stops while a pipelined job runs gives back the job it leased ahead', async () => {
  let finish!: () => void
  const gate = new Promise<void>((resolve) => {
    finish = resolve
  })
  let started!: () => void
  const running = new Promise<void>((resolve) => {
    started = resolve
  })
  const ran: number[] = []
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-stop',
    pollIntervalMs: 5,
    handlers: {
      'piped-stop': {
        pipelined: true,
        ...marking,
        async run(job) {
          const { n } = job.payload as Step
          ran.push(n)
          started()
          await gate
        },
      },
    },
  })
  await enqueueAll('piped-stop', ['s-1'], 2)
  await worker.start()
  await running
  // The second job is leased ahead once the lookahead's statement commits.
  for (let i = 0; i < 100 && !(await leaseOf('piped-stop', 's-1', 1)).leased; i++) await sleep(10)
  assert.equal((await leaseOf('piped-stop', 's-1', 1)).leased, true)
  const stopped = worker.stop()
  finish()
  await stopped
  assert.deepEqual(ran, [0])
  const next = await leaseOf('piped-stop', 's-1', 1)
  assert.deepEqual(next, { claimed_by: null, leased: false, attempts: 0 })
  const { rows } = await db.query<{ history: number; marks: number; released: number }>(
    `SELECT (SELECT count(*)::int FROM job_attempt a WHERE a.job_id = j.id) AS history, m.marks, m.released
     FROM job j JOIN pipe_mark m ON m.job_id = j.id WHERE j.kind = 'piped-stop' AND (j.payload->>'n')::int = 1`,
  )
  assert.deepEqual(rows, [{ history: 0, marks: 1, released: 1 }])
  // Given back, it runs when a worker starts again.
  await drainWith(db, [worker], ['piped-stop'])
  assert.deepEqual(ran, [0, 1])
})

test('a pipelined worker killed mid-run: its restart runs the running job and the one leased ahead, in order, once each', async () => {
  const runs: string[] = []
  let started!: () => void
  const running = new Promise<void>((resolve) => {
    started = resolve
  })
  // The first incarnation hangs in the first job with the second leased ahead: the process died there.
  const crashed = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-crash',
    pollIntervalMs: 5,
    handlers: {
      'piped-crash': {
        pipelined: true,
        run: (job) =>
          new Promise<void>(() => {
            runs.push(`crashed ${(job.payload as Step).n}`)
            started()
          }),
      },
    },
  })
  await enqueueAll('piped-crash', ['c-1'], 3)
  await crashed.start()
  await running
  for (let i = 0; i < 100 && !(await leaseOf('piped-crash', 'c-1', 1)).leased; i++) await sleep(10)
  assert.equal((await leaseOf('piped-crash', 'c-1', 1)).claimed_by, 'pipe-crash')
  // Dead: it claims nothing more (its hung run never returns).
  void crashed.stop()

  const restarted = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-crash',
    pollIntervalMs: 5,
    handlers: {
      'piped-crash': {
        pipelined: true,
        run: async (job) => {
          await sleep(5)
          runs.push(`again ${(job.payload as Step).n}`)
        },
      },
    },
  })
  assert.equal(await restarted.start(), 2, 'the running job and the one leased ahead were held by this identity')
  try {
    await drained(db, ['piped-crash'])
  } finally {
    await restarted.stop()
  }
  assert.deepEqual(runs, ['crashed 0', 'again 0', 'again 1', 'again 2'])
})

/**
 * A group of pipelined jobs 0…n whose job 0 is re-armed while its first run goes on, after the next job was leased
 * ahead: every job sleeps `runMs`, except job 1, which sleeps `nextMs`. Returns the order they ran in and the most
 * of the group that ever ran at once.
 */
async function rearmWhileRunning(kind: string, { jobs, leaseMs, runMs, nextMs }: Record<string, number>) {
  const ran: string[] = []
  let inGroup = 0
  let peak = 0
  let rearmed = false
  const group = `${kind}-1`
  const key = `${kind}-0`
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: kind,
    pollIntervalMs: 5,
    concurrency: 3,
    leaseMs,
    handlers: {
      [kind]: {
        pipelined: true,
        async run(job) {
          const { n } = job.payload as Step
          inGroup++
          peak = Math.max(peak, inGroup)
          try {
            if (n === 0 && !rearmed) {
              rearmed = true
              // Its job is asked for once more while it runs (a person's retry, say), after the next was leased.
              await sleep(40)
              await db.transaction((tx) => enqueueKeyed(tx, kind, key, { group, n: 0 }, { group }))
            } else {
              await sleep(n === 1 ? nextMs : runMs)
            }
            ran.push(String(n))
          } finally {
            inGroup--
          }
        },
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueueKeyed(tx, kind, key, { group, n: 0 }, { group })
    for (let n = 1; n < jobs; n++) await enqueue(tx, kind, { group, n }, { group })
  })
  await drainWith(db, [worker], [kind], 20_000)
  return { ran, peak }
}

test('a pipelined run re-armed while it runs: its next job runs once, then it runs again, never beside another of its group', async () => {
  const { ran, peak } = await rearmWhileRunning('piped-rearm', { jobs: 3, leaseMs: 400, runMs: 100, nextMs: 100 })
  assert.equal(peak, 1, 'two jobs of the group ran at once')
  // The next job had started already; the re-armed one runs after it, and nothing past it runs before it does.
  assert.deepEqual(ran, ['0', '1', '0', '2'])
})

test('a pipelined run re-armed while it runs stays held back while the next job outlasts a lease', async () => {
  // The next job is slow (a partner timing out, its lease renewed all along): four leases of the re-armed job pass.
  const { ran, peak } = await rearmWhileRunning('piped-rearm-slow', { jobs: 2, leaseMs: 300, runMs: 0, nextMs: 1_200 })
  assert.equal(peak, 1, 'two jobs of the group ran at once')
  assert.deepEqual(ran, ['0', '1', '0'])
})

test('a job leased ahead and re-armed meanwhile is still given back when the run before it fails', async () => {
  const ran: string[] = []
  let failed = false
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-rearm-next',
    pollIntervalMs: 5,
    retrySchedule: [10],
    handlers: {
      'piped-rearm-next': {
        pipelined: true,
        async run(job) {
          const { n } = job.payload as Step
          if (n === 0 && !failed) {
            failed = true
            for (let i = 0; i < 100 && !(await leaseOf('piped-rearm-next', 'rn-1', 1)).leased; i++) await sleep(5)
            await db.transaction((tx) =>
              enqueueKeyed(tx, 'piped-rearm-next', 'rearm-next-1', { group: 'rn-1', n: 1 }, { group: 'rn-1' }),
            )
            throw new Error('first try fails')
          }
          ran.push(String(n))
        },
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'piped-rearm-next', { group: 'rn-1', n: 0 }, { group: 'rn-1' })
    await enqueueKeyed(tx, 'piped-rearm-next', 'rearm-next-1', { group: 'rn-1', n: 1 }, { group: 'rn-1' })
  })
  // Well within the 60 s lease the job would otherwise wait out.
  await drainWith(db, [worker], ['piped-rearm-next'], 10_000)
  assert.deepEqual(ran, ['0', '1'])
  assert.equal((await leaseOf('piped-rearm-next', 'rn-1', 1)).attempts, 1, 'its one run, not the lease given back')
})

test('a lookahead leases only a job of a pipelined kind', async () => {
  const seen: { kind: string; nextLeased?: boolean }[] = []
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'pipe-mixed',
    pollIntervalMs: 5,
    handlers: {
      'piped-mixed': {
        pipelined: true,
        async run() {
          await sleep(40)
          seen.push({ kind: 'piped', nextLeased: (await leaseOf('plain-mixed', 'm-1', 1)).leased })
        },
      },
      'plain-mixed': async () => {
        seen.push({ kind: 'plain' })
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'piped-mixed', { group: 'm-1', n: 0 }, { group: 'm-1' })
    await enqueue(tx, 'plain-mixed', { group: 'm-1', n: 1 }, { group: 'm-1' })
  })
  await drainWith(db, [worker], ['piped-mixed', 'plain-mixed'])
  assert.deepEqual(seen, [{ kind: 'piped', nextLeased: false }, { kind: 'plain' }])
})
