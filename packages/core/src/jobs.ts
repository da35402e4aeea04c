import type { Clock } from './clock.ts'
import type { Database, Queryable } from './db.ts'

export interface EnqueueOptions {
  runAt?: Date
  dedupeKey?: string
}

/** Adds a job inside the caller's transaction, so it exists exactly when the state change it follows does. */
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

export interface Job {
  id: number
  kind: string
  payload: unknown
  attempts: number
}

export type JobHandler = (job: Job) => Promise<void>

export interface WorkerOptions {
  db: Database
  clock: Clock
  handlers: Record<string, JobHandler>
  /** Delay in ms before each retry; after the last one the job is marked dead. Kept as data, not code. */
  retrySchedule?: number[]
  pollIntervalMs?: number
  batchSize?: number
  onError?: (job: Job, error: unknown) => void
}

const DEFAULT_RETRIES = [1_000, 5_000, 30_000, 120_000, 600_000]

/**
 * Claims due jobs with FOR UPDATE SKIP LOCKED, runs their handler, and records the outcome.
 * Several workers (processes) can share one table; each job runs to completion at most once at a time.
 */
export function createWorker(options: WorkerOptions) {
  const retries = options.retrySchedule ?? DEFAULT_RETRIES
  const batchSize = options.batchSize ?? 20
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = true

  async function runDue(): Promise<number> {
    let processed = 0
    const jobs = await options.db.transaction(async (tx) => {
      const claimed = await tx.query<Job>(
        `SELECT id, kind, payload, attempts FROM job
         WHERE status = 'pending' AND run_at <= $1 ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [options.clock.now(), batchSize],
      )
      // Leasing: push run_at forward so another worker does not pick the job while it runs.
      if (claimed.rows.length > 0) {
        await tx.query(`UPDATE job SET run_at = $2, attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [
          claimed.rows.map((j) => j.id),
          new Date(options.clock.now().getTime() + 60_000),
        ])
      }
      return claimed.rows
    })
    for (const job of jobs) {
      const handler = options.handlers[job.kind]
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`)
        await handler(job)
        await options.db.query(`UPDATE job SET status = 'done', finished_at = $2, last_error = NULL WHERE id = $1`, [
          job.id,
          options.clock.now(),
        ])
      } catch (error) {
        options.onError?.(job, error)
        const delay = retries[job.attempts]
        const message = error instanceof Error ? error.message : String(error)
        if (delay === undefined) {
          await options.db.query(`UPDATE job SET status = 'dead', finished_at = $2, last_error = $3 WHERE id = $1`, [
            job.id,
            options.clock.now(),
            message,
          ])
        } else {
          await options.db.query(`UPDATE job SET run_at = $2, last_error = $3 WHERE id = $1`, [
            job.id,
            new Date(options.clock.now().getTime() + delay),
            message,
          ])
        }
      }
      processed++
    }
    return processed
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
    start() {
      stopped = false
      schedule()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
