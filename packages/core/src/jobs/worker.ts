import type { Clock } from '../clock.ts'
import type { Database, Queryable } from '../db.ts'
import type { DefinedJob } from './define.ts'

export interface Job {
  id: number
  kind: string
  payload: unknown
  attempts: number
  version: number
  /** The ordered group the job belongs to, if any. */
  group: string | null
}

/**
 * A write to commit in the very statement that settles a run (done, retried or dead): one data-modifying statement
 * (INSERT, UPDATE or DELETE, without a WITH of its own), placed as a CTE beside the job's own update. `param` binds
 * a value and returns its placeholder. It commits with the job's new state or not at all, in one round trip.
 */
export type JobWrite = (param: (value: unknown) => string) => string

/** What the worker gives each run besides the job. */
export interface JobRun {
  /** What the kind's `prepare` loaded for this job when its batch was claimed; undefined without one. */
  readonly prepared: unknown
  /** Writes to commit with the run's outcome, whatever it is (the attempt log of a delivery that failed too). */
  settleWith(...writes: JobWrite[]): void
}

export type JobHandler = (job: Job, run: JobRun) => Promise<void>

/** A job kind with its own retry policy and a last word when it gives up. */
export interface JobKind {
  run: JobHandler
  /**
   * Loads what the claimed jobs of this kind need, for a whole batch in one query, right after the claim: the jobs
   * are leased by then, so nothing else runs them meanwhile. Returns each job's part by job id (`JobRun.prepared`).
   * A failure here is not a failure of the jobs: they run without (`prepared` undefined) and must then load it.
   */
  prepare?: (q: Queryable, jobs: readonly Job[]) => Promise<ReadonlyMap<number, unknown>>
  /** Delay in ms before each retry; after the last one the job is dead. Defaults to the worker's schedule. */
  retrySchedule?: number[]
  /** Called once the job is dead (after it is marked so): compensate, alert. May re-arm the job. */
  onDead?: (job: Job, error: unknown) => Promise<void>
}

/**
 * Thrown by a handler that is waiting for something outside (an asynchronous projection to catch up): the job
 * runs again after `delayMs` and the wait does not use up a retry. The handler must bound its own waiting.
 */
export class RetryLater extends Error {
  readonly delayMs: number
  constructor(delayMs: number, reason: string) {
    super(reason)
    this.name = 'RetryLater'
    this.delayMs = delayMs
  }
}

export interface WorkerOptions {
  db: Database
  clock: Clock
  /** Handlers by kind. Typed definitions (`defineJob`) go in `jobs`; a kind may appear in only one of the two. */
  handlers?: Record<string, JobHandler | JobKind>
  jobs?: readonly DefinedJob[]
  /** Delay in ms before each retry; after the last one the job is marked dead. Kept as data, not code. */
  retrySchedule?: number[]
  pollIntervalMs?: number
  batchSize?: number
  /** Jobs of one batch run this many at a time (different jobs; one job never runs twice at once). */
  concurrency?: number
  /** How long a claimed job is hidden from other workers; longer than any handler runs. */
  leaseMs?: number
  /**
   * This worker's stable identity, recorded on every job it claims. A worker restarted under the same identity takes
   * back at once the jobs its previous incarnation still held (it crashed while running them) instead of waiting out
   * their lease. It must be unique among the workers alive at one time (host, service, port and cluster worker
   * index, say) and survive a restart; without it a crashed worker's jobs wait for their lease to end.
   */
  workerId?: string
  onError?: (job: Job, error: unknown) => void
}

/** Failed attempts and jobs given up on, by kind, since this worker was created. */
export interface WorkerStats {
  failed: Record<string, number>
  dead: Record<string, number>
}

const DEFAULT_RETRIES = [1_000, 5_000, 30_000, 120_000, 600_000]
/** Longest error message kept in the attempt history. */
const ATTEMPT_ERROR_CHARS = 2_000

/**
 * A grouped job may run only when no earlier job of its group is unfinished (pending, running or dead). Places in a
 * group follow commit order (see `enqueue`), so no snapshot can see a job without the jobs placed before it.
 */
const GROUP_HEAD = `(j.group_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM job earlier WHERE earlier.group_key = j.group_key AND earlier.status IN ('pending', 'dead')
    AND earlier.group_position < j.group_position))`

/**
 * One statement that settles a run: the run's writes as CTEs, then the worker's own CTEs, then `final`. The worker's
 * parameters are in `params` already (its SQL numbers them from $1); each write's are appended as it binds them.
 */
function settlement(writes: readonly JobWrite[], params: unknown[], ctes: readonly string[], final: string): string {
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const all = [...writes.map((write, i) => `write_${i} AS (${write(param)})`), ...ctes]
  return all.length === 0 ? final : `WITH ${all.join(',\n')}\n${final}`
}

/** Indexes handlers and definitions by kind; a kind given twice is a wiring mistake, refused at once. */
function kindsOf(options: WorkerOptions): Map<string, JobKind> {
  const kinds = new Map<string, JobKind>()
  for (const [kind, handler] of Object.entries(options.handlers ?? {})) {
    kinds.set(kind, typeof handler === 'function' ? { run: handler } : handler)
  }
  for (const job of options.jobs ?? []) {
    if (kinds.has(job.kind)) throw new TypeError(`job kind ${job.kind} has two handlers`)
    kinds.set(job.kind, job)
  }
  return kinds
}

/**
 * Claims due jobs with FOR UPDATE SKIP LOCKED, runs their handler, and records the outcome.
 * Several workers (processes) can share one table; each job runs to completion at most once at a time.
 */
export function createWorker(options: WorkerOptions) {
  const batchSize = options.batchSize ?? 20
  const concurrency = options.concurrency ?? 1
  const leaseMs = options.leaseMs ?? 60_000
  const { db, clock } = options
  const workerId = options.workerId ?? null
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = true
  const stats: WorkerStats = { failed: {}, dead: {} }
  const kinds = kindsOf(options)
  /** The attempt-history row of each job this worker is running. */
  const attemptRows = new Map<number, number>()

  /** What each kind's `prepare` loaded for a claimed job, until that job runs. */
  const preparedByJob = new Map<number, unknown>()

  /**
   * Claims jobs and leases them, in one statement: run_at moves forward so no other worker picks them while they
   * run, the job records who holds it, and each claimed run starts a row of the attempt history. The job first, then
   * its history: every writer touches the two tables in this order (clearJobs too). `params` fill `where` from $3
   * after the batch size ($2); $1 is now.
   */
  async function claim(where: string, params: unknown[]): Promise<Job[]> {
    const now = clock.now()
    const all = [now, ...params, new Date(now.getTime() + leaseMs), workerId]
    const leasedUntil = `$${all.length - 1}::timestamptz`
    const holder = `$${all.length}::text`
    const { rows } = await db.query<Job & { attemptId: number }>(
      `WITH claimed AS (
         SELECT j.id, j.run_at FROM job j WHERE status = 'pending' AND run_at <= $1 AND ${where} AND ${GROUP_HEAD}
         ORDER BY run_at, id LIMIT $2 FOR UPDATE OF j SKIP LOCKED
       ), leased AS (
         UPDATE job SET run_at = ${leasedUntil}, attempts = job.attempts + 1, claimed_by = ${holder}
         FROM claimed WHERE job.id = claimed.id
         RETURNING job.id, job.kind, job.payload, job.attempts, job.version, job.group_key, claimed.run_at AS due
       ), started AS (
         INSERT INTO job_attempt (job_id, attempt, worker_id, started_at)
         SELECT id, attempts, ${holder}, $1::timestamptz FROM leased RETURNING id, job_id
       )
       SELECT l.id, l.kind, l.payload, l.attempts, l.version, l.group_key AS "group", s.id AS "attemptId"
       FROM leased l JOIN started s ON s.job_id = l.id ORDER BY l.due, l.id`,
      all,
    )
    const jobs = rows.map(({ attemptId, ...job }) => {
      attemptRows.set(job.id, attemptId)
      return job
    })
    await prepareAll(jobs)
    return jobs
  }

  /** Runs each kind's `prepare` over its claimed jobs; when one fails, its jobs load what they need themselves. */
  async function prepareAll(jobs: readonly Job[]): Promise<void> {
    const byKind = new Map<JobKind, Job[]>()
    for (const job of jobs) {
      const kind = kinds.get(job.kind)
      if (!kind?.prepare) continue
      const ofKind = byKind.get(kind)
      if (ofKind) ofKind.push(job)
      else byKind.set(kind, [job])
    }
    for (const [kind, ofKind] of byKind) {
      try {
        for (const [id, value] of await (kind.prepare as NonNullable<JobKind['prepare']>)(db, ofKind)) {
          preparedByJob.set(id, value)
        }
      } catch (error) {
        options.onError?.(ofKind[0], error)
      }
    }
  }

  /**
   * Keeps a running job's lease alive, so a handler slower than the lease (partners timing out one call after
   * another) is never claimed a second time while it runs. Returns the function that stops it.
   */
  function holdLease(job: Job): () => Promise<void> {
    let renewal: Promise<unknown> = Promise.resolve()
    const timer = setInterval(() => {
      renewal = db
        .query(`UPDATE job SET run_at = $2 WHERE id = $1 AND status = 'pending'`, [
          job.id,
          new Date(clock.now().getTime() + leaseMs),
        ])
        .catch((error) => options.onError?.(job, error))
    }, leaseMs / 3)
    timer.unref()
    return async () => {
      clearInterval(timer)
      await renewal
    }
  }

  /** Runs one claimed job and records the outcome; a job re-armed meanwhile stays pending and runs again at once. */
  async function runJob(job: Job): Promise<void> {
    const kind = kinds.get(job.kind)
    const attempt = attemptRows.get(job.id) ?? null
    attemptRows.delete(job.id)
    const prepared = preparedByJob.get(job.id)
    preparedByJob.delete(job.id)
    const writes: JobWrite[] = []
    const run: JobRun = {
      prepared,
      settleWith: (...more) => {
        writes.push(...more)
      },
    }
    try {
      if (!kind) throw new Error(`no handler for job kind ${job.kind}`)
      const releaseLease = holdLease(job)
      try {
        await kind.run(job, run)
      } finally {
        await releaseLease()
      }
      // The job, its attempt's row and the run's writes settle in one statement: one round trip, one commit.
      const params: unknown[] = [job.id, job.version, clock.now(), attempt]
      const settled = `settled AS (
        UPDATE job SET status = CASE WHEN version = $2 THEN 'done' ELSE 'pending' END,
          finished_at = CASE WHEN version = $2 THEN $3::timestamptz END,
          run_at = CASE WHEN version = $2 THEN run_at ELSE '-infinity' END,
          attempts = CASE WHEN version = $2 THEN attempts ELSE 0 END, last_error = NULL, claimed_by = NULL
        WHERE id = $1 RETURNING id)`
      const history = `UPDATE job_attempt SET finished_at = $3, outcome = 'done'
        WHERE id = $4::bigint AND EXISTS (SELECT 1 FROM settled)`
      await db.query(settlement(writes, params, [settled], history), params)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const now = clock.now()
      // $1 the job, $2 its next run (or its version), $3 now, $4 the error, $5 the history row, $6 the error cut short.
      const params: unknown[] = [job.id, null, now, message, attempt, message.slice(0, ATTEMPT_ERROR_CHARS)]
      const history = (outcome: string, after: string) =>
        `UPDATE job_attempt SET finished_at = $3, outcome = ${outcome}, error = $6
         WHERE id = $5::bigint AND EXISTS (SELECT 1 FROM ${after})`
      if (error instanceof RetryLater) {
        params[1] = new Date(now.getTime() + error.delayMs)
        const settled = `settled AS (UPDATE job SET run_at = $2, attempts = attempts - 1, last_error = $4,
          claimed_by = NULL WHERE id = $1 RETURNING id)`
        await db.query(settlement(writes, params, [settled], history(`'waiting'`, 'settled')), params)
        return
      }
      stats.failed[job.kind] = (stats.failed[job.kind] ?? 0) + 1
      options.onError?.(job, error)
      const delay = (kind?.retrySchedule ?? options.retrySchedule ?? DEFAULT_RETRIES)[job.attempts - 1]
      if (delay !== undefined) {
        params[1] = new Date(now.getTime() + delay)
        const settled = `settled AS (UPDATE job SET run_at = $2, last_error = $4, claimed_by = NULL
          WHERE id = $1 RETURNING id)`
        await db.query(settlement(writes, params, [settled], history(`'failed'`, 'settled')), params)
        return
      }
      // Out of retries, unless the job was re-armed while it ran: then the new request gets fresh retries.
      params[1] = job.version
      const dead = `dead AS (UPDATE job SET status = 'dead', finished_at = $3, last_error = $4, claimed_by = NULL
        WHERE id = $1 AND version = $2 RETURNING id)`
      const rearmed = `rearmed AS (UPDATE job SET run_at = '-infinity', attempts = 0, last_error = $4, claimed_by = NULL
        WHERE id = $1 AND version <> $2 RETURNING id)`
      const outcome = `CASE WHEN EXISTS (SELECT 1 FROM dead) THEN 'dead' ELSE 'failed' END`
      const recorded = `recorded AS (${history(outcome, '(SELECT id FROM dead UNION ALL SELECT id FROM rearmed) AS settled')})`
      const { rows } = await db.query<{ dead: boolean }>(
        settlement(writes, params, [dead, rearmed, recorded], 'SELECT EXISTS (SELECT 1 FROM dead) AS dead'),
        params,
      )
      if (rows[0]?.dead) {
        stats.dead[job.kind] = (stats.dead[job.kind] ?? 0) + 1
        if (kind?.onDead) await kind.onDead(job, error).catch((deadError) => options.onError?.(job, deadError))
      }
    }
  }

  /** Runs jobs with at most `concurrency` in flight. */
  async function runAll(jobs: Job[]): Promise<void> {
    let next = 0
    const lanes = Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      while (next < jobs.length) await runJob(jobs[next++])
    })
    await Promise.all(lanes)
  }

  /** Makes the jobs a previous incarnation of this worker held due again; they run on the next claim. */
  async function reclaimOwn(): Promise<number> {
    if (workerId === null) return 0
    const { rowCount } = await db.query(
      `UPDATE job SET run_at = '-infinity', claimed_by = NULL WHERE status = 'pending' AND claimed_by = $1`,
      [workerId],
    )
    return rowCount
  }

  async function runDue(): Promise<number> {
    const jobs = await claim('true', [batchSize])
    await runAll(jobs)
    return jobs.length
  }

  function schedule() {
    if (stopped) return
    timer = setTimeout(async () => {
      running = runDue().catch(() => 0)
      const processed = await running
      running = undefined
      // A full batch means more may be waiting: go again at once.
      if (processed >= batchSize) setImmediate(schedule)
      else schedule()
    }, options.pollIntervalMs ?? 500)
  }

  return {
    /** Runs every due job once; tests call this instead of waiting for the poll loop. */
    runDue,
    /**
     * Runs the keyed job now, in the caller's time, if it is due and no worker holds it; returns whether it ran.
     * Lets a request handler finish a saga step while the user waits instead of after the next poll.
     */
    async runKey(key: string): Promise<boolean> {
      const jobs = await claim('dedupe_key = $3', [1, key])
      await runAll(jobs)
      return jobs.length > 0
    },
    /**
     * Starts polling. First, jobs still leased to this worker's identity are made due at once: they belong to a
     * previous incarnation that died while running them, and nothing else would run them before their lease ends.
     * Resolves with how many there were; polling has begun either way.
     */
    async start(): Promise<number> {
      stopped = false
      try {
        return await reclaimOwn()
      } finally {
        // Polling starts even when the database refused the reclaim: those jobs then wait out their lease.
        schedule()
      }
    },
    /** Failed attempts and dead jobs by kind, counted by this worker. */
    stats(): WorkerStats {
      return { failed: { ...stats.failed }, dead: { ...stats.dead } }
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}

export type Worker = ReturnType<typeof createWorker>
