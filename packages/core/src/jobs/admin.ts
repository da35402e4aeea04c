import type { Queryable } from '../db.ts'

/**
 * Deletes the finished (done, dead, discarded) jobs of these kinds and their attempt history, leaving pending ones
 * (some may be running) and every other kind in place: a service clears its own jobs, never another feature's
 * deliveries sharing the table. After a busy day that is tens of thousands of rows, which TRUNCATE drops in a moment
 * and DELETE takes most of a second for; so TRUNCATE when nothing else is in the table, under a lock that keeps new
 * jobs out until the caller's transaction ends.
 */
export async function clearJobs(tx: Queryable, { kinds }: { kinds: readonly string[] }): Promise<void> {
  if (kinds.length === 0) return
  // job before job_attempt, the order every writer takes them in: this wait can never close a cycle.
  await tx.exec('LOCK TABLE job, job_attempt IN ACCESS EXCLUSIVE MODE')
  const { rows } = await tx.query(`SELECT 1 FROM job WHERE status = 'pending' OR kind <> ALL($1::text[]) LIMIT 1`, [
    kinds,
  ])
  if (rows.length === 0) {
    await tx.exec('TRUNCATE job, job_attempt')
    return
  }
  await tx.query(
    `WITH cleared AS (DELETE FROM job WHERE kind = ANY($1::text[]) AND status <> 'pending' RETURNING id)
     DELETE FROM job_attempt a USING cleared WHERE a.job_id = cleared.id`,
    [kinds],
  )
}

/**
 * Gives a dead job fresh retries and runs it again at once; its group, stopped behind it, resumes after it.
 * Returns false when the job is not dead (already retried, discarded, or never dead).
 */
export async function retryDeadJob(db: Queryable, jobId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE job SET status = 'pending', attempts = 0, run_at = '-infinity', finished_at = NULL, version = version + 1
     WHERE id = $1 AND status = 'dead'`,
    [jobId],
  )
  return rowCount > 0
}

/**
 * Gives up on a dead job for good: it stays in the table as discarded (with its last error) and its group's next
 * job may run. Returns false when the job is not dead.
 */
export async function discardDeadJob(db: Queryable, jobId: number, now: Date = new Date()): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE job SET status = 'discarded', finished_at = $2 WHERE id = $1 AND status = 'dead'`,
    [jobId, now],
  )
  return rowCount > 0
}

/** An ordered group stopped by its dead job. */
export interface BlockedJobGroup {
  group: string
  /** The dead job: retry or discard it to let the group go on. */
  jobId: number
  kind: string
  error: string | null
  deadSince: Date | null
  /** Jobs of the group waiting behind it. */
  waiting: number
}

/** The ordered groups a dead job stops, oldest first: what an operator has to look at. */
export async function blockedJobGroups(db: Queryable): Promise<BlockedJobGroup[]> {
  const { rows } = await db.query<BlockedJobGroup>(
    `SELECT d.group_key AS "group", d.id AS "jobId", d.kind, d.last_error AS error, d.finished_at AS "deadSince",
       (SELECT count(*)::int FROM job w WHERE w.group_key = d.group_key AND w.status = 'pending') AS waiting
     FROM job d WHERE d.status = 'dead' AND d.group_key IS NOT NULL ORDER BY d.finished_at, d.id`,
  )
  return rows
}

/** One run of a job, from the attempt history. */
export interface JobAttempt {
  attempt: number
  workerId: string | null
  startedAt: Date
  /** Null while the run goes on, or when its worker died during it. */
  finishedAt: Date | null
  outcome: 'done' | 'failed' | 'dead' | 'waiting' | null
  error: string | null
}

/** Every run of a job, first to last. */
export async function jobAttempts(db: Queryable, jobId: number): Promise<JobAttempt[]> {
  const { rows } = await db.query<JobAttempt>(
    `SELECT attempt, worker_id AS "workerId", started_at AS "startedAt", finished_at AS "finishedAt", outcome, error
     FROM job_attempt WHERE job_id = $1 ORDER BY id`,
    [jobId],
  )
  return rows
}
