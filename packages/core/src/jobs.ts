import { Counter, Gauge, type Registry } from 'prom-client'
import type { Clock } from './clock.ts'
import type { Database, Queryable } from './db.ts'

export interface EnqueueOptions {
  runAt?: Date
  dedupeKey?: string
}

/**
 * Adds a job inside the caller's transaction, so it exists exactly when the state change it follows does.
 * With a `dedupeKey` the job is created once, ever: a second enqueue with the same key is a no-op.
 */
export async function enqueue(
  tx: Queryable,
  kind: string,
  payload: unknown,
  options: EnqueueOptions = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO job (kind, payload, run_at, dedupe_key) VALUES ($1, $2, COALESCE($3::timestamptz, '-infinity'), $4)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [kind, JSON.stringify(payload), options.runAt ?? null, options.dedupeKey ?? null],
  )
}

/**
 * Asks for a run of the job with this key, for handlers that reconcile "whatever the state is now" (a saga step):
 * creates the job, revives a finished or dead one with fresh retries, and marks a running one to run once more
 * when it ends, so a change made while the handler works is never missed. A job waiting out a retry delay keeps
 * its delay: the thing it waits for (an outage) is not over because the state changed. Many requests coalesce into
 * one run.
 */
export async function enqueueKeyed(tx: Queryable, kind: string, key: string, payload: unknown): Promise<void> {
  await tx.query(
    `INSERT INTO job (kind, payload, dedupe_key) VALUES ($1, $2, $3)
     ON CONFLICT (dedupe_key) DO UPDATE SET
       version = job.version + 1, payload = EXCLUDED.payload, status = 'pending', finished_at = NULL,
       attempts = CASE WHEN job.status = 'pending' THEN job.attempts ELSE 0 END,
       run_at = CASE WHEN job.status = 'pending' THEN job.run_at ELSE '-infinity' END`,
    [kind, JSON.stringify(payload), key],
  )
}

/**
 * Asks every pending job of this kind to run once more after the run it has now, the way `enqueueKeyed` does for
 * one: for a state change that all of them must see (a reset), even those running at this moment.
 */
export async function rearmPending(tx: Queryable, kind: string): Promise<void> {
  await tx.query(`UPDATE job SET version = version + 1 WHERE kind = $1 AND status = 'pending'`, [kind])
}

/**
 * Deletes every finished job, leaving pending ones (some may be running) in place. After a busy day that is tens of
 * thousands of rows, which TRUNCATE drops in a moment and DELETE takes most of a second for; so TRUNCATE when
 * nothing is pending, under a lock that keeps new jobs out until the caller's transaction ends.
 */
export async function clearFinishedJobs(tx: Queryable): Promise<void> {
  await tx.exec('LOCK TABLE job IN ACCESS EXCLUSIVE MODE')
  const { rows } = await tx.query(`SELECT 1 FROM job WHERE status = 'pending' LIMIT 1`)
  await tx.exec(rows.length === 0 ? 'TRUNCATE job' : `DELETE FROM job WHERE status <> 'pending'`)
}

export interface Job {
  id: number
  kind: string
  payload: unknown
  attempts: number
  version: number
}

export type JobHandler = (job: Job) => Promise<void>

/** A job kind with its own retry policy and a last word when it gives up. */
export interface JobKind {
  run: JobHandler
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
  handlers: Record<string, JobHandler | JobKind>
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
const JOB_COLUMNS = 'id, kind, payload, attempts, version'

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

  function kindOf(job: Job): JobKind | undefined {
    const handler = options.handlers[job.kind]
    return typeof handler === 'function' ? { run: handler } : handler
  }

  /**
   * Claims jobs and leases them: run_at moves forward so no other worker picks them while they run, and the job
   * records who holds it.
   */
  async function claim(where: string, params: unknown[]): Promise<Job[]> {
    return db.transaction(async (tx) => {
      const claimed = await tx.query<Job>(
        `SELECT ${JOB_COLUMNS} FROM job WHERE status = 'pending' AND run_at <= $1 AND ${where}
         ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [clock.now(), ...params],
      )
      if (claimed.rows.length > 0) {
        await tx.query(
          `UPDATE job SET run_at = $2, attempts = attempts + 1, claimed_by = $3 WHERE id = ANY($1::bigint[])`,
          [claimed.rows.map((j) => j.id), new Date(clock.now().getTime() + leaseMs), workerId],
        )
      }
      return claimed.rows.map((job) => ({ ...job, attempts: job.attempts + 1 }))
    })
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
    const kind = kindOf(job)
    try {
      if (!kind) throw new Error(`no handler for job kind ${job.kind}`)
      const releaseLease = holdLease(job)
      try {
        await kind.run(job)
      } finally {
        await releaseLease()
      }
      await db.query(
        `UPDATE job SET status = CASE WHEN version = $2 THEN 'done' ELSE 'pending' END,
           finished_at = CASE WHEN version = $2 THEN $3::timestamptz END,
           run_at = CASE WHEN version = $2 THEN run_at ELSE '-infinity' END,
           attempts = CASE WHEN version = $2 THEN attempts ELSE 0 END, last_error = NULL, claimed_by = NULL
         WHERE id = $1`,
        [job.id, job.version, clock.now()],
      )
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (error instanceof RetryLater) {
        await db.query(
          'UPDATE job SET run_at = $2, attempts = attempts - 1, last_error = $3, claimed_by = NULL WHERE id = $1',
          [job.id, new Date(clock.now().getTime() + error.delayMs), message],
        )
        return
      }
      stats.failed[job.kind] = (stats.failed[job.kind] ?? 0) + 1
      options.onError?.(job, error)
      const delay = (kind?.retrySchedule ?? options.retrySchedule ?? DEFAULT_RETRIES)[job.attempts - 1]
      if (delay !== undefined) {
        await db.query('UPDATE job SET run_at = $2, last_error = $3, claimed_by = NULL WHERE id = $1', [
          job.id,
          new Date(clock.now().getTime() + delay),
          message,
        ])
        return
      }
      // Out of retries, unless the job was re-armed while it ran: then the new request gets fresh retries.
      const { rowCount } = await db.query(
        `UPDATE job SET status = 'dead', finished_at = $3, last_error = $4, claimed_by = NULL
         WHERE id = $1 AND version = $2`,
        [job.id, job.version, clock.now(), message],
      )
      if (rowCount === 0) {
        await db.query(
          `UPDATE job SET run_at = '-infinity', attempts = 0, last_error = $2, claimed_by = NULL WHERE id = $1`,
          [job.id, message],
        )
      } else {
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

/**
 * Publishes job health on a metrics registry: failed attempts and jobs given up on by kind (counted by the given
 * workers of this process), and the dead jobs waiting in the table for an operator (all processes).
 */
export function registerJobMetrics(registry: Registry, db: Queryable, workers: Worker[]): void {
  const totals = (pick: (stats: WorkerStats) => Record<string, number>) => {
    const sum: Record<string, number> = {}
    for (const worker of workers) {
      for (const [kind, n] of Object.entries(pick(worker.stats()))) sum[kind] = (sum[kind] ?? 0) + n
    }
    return sum
  }
  new Counter({
    name: 'jobs_failed_total',
    help: 'Failed job attempts by kind (each is retried on its schedule until it is out of retries)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [kind, n] of Object.entries(totals((stats) => stats.failed))) this.inc({ kind }, n)
    },
  })
  new Counter({
    name: 'jobs_dead_total',
    help: 'Jobs this process gave up on (out of retries) by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [kind, n] of Object.entries(totals((stats) => stats.dead))) this.inc({ kind }, n)
    },
  })
  new Gauge({
    name: 'jobs_dead',
    help: 'Dead jobs in the job table by kind: each waits for an operator',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      // A database that cannot answer must not take the other metrics down with it: the last values stay.
      const rows = await db
        .query<{ kind: string; count: number }>(
          `SELECT kind, count(*)::int AS count FROM job WHERE status = 'dead' GROUP BY kind`,
        )
        .then((result) => result.rows)
        .catch(() => undefined)
      if (!rows) return
      this.reset()
      for (const row of rows) this.set({ kind: row.kind }, row.count)
    },
  })
}
