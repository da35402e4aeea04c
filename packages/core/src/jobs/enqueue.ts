import type { Queryable } from '../db.ts'
import { lockKey, lockUntilCommitSql } from '../locks.ts'

export interface EnqueueOptions {
  runAt?: Date
  dedupeKey?: string
  /**
   * The ordered group the job joins (one queue per cashbox, per payment): the group's jobs run one at a time, in
   * the order their enqueues committed. The enqueue holds the group's lock until the caller's transaction ends, so
   * keep that transaction short, and enqueue into several groups of one transaction in a fixed (sorted) order.
   */
  group?: string
}

/**
 * The row's group and place: with a group, the statement first takes the group's lock (parameters `$first` and
 * `$first + 1`) and only then draws the place, so places in a group follow commit order.
 */
function groupPlacement(group: string | undefined, first: number): { from: string; params: unknown[] } {
  if (group === undefined) return { from: '', params: [] }
  return { from: ` FROM (SELECT ${lockUntilCommitSql(first)}) AS group_lock`, params: [...lockKey('jobGroup', group)] }
}

/** The place of a job whose group is the parameter `$group`: none without a group. */
function placeSql(group: number): string {
  return `CASE WHEN $${group}::text IS NULL THEN NULL ELSE nextval('job_group_position') END`
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
  const placement = groupPlacement(options.group, 6)
  await tx.query(
    `INSERT INTO job (kind, payload, run_at, dedupe_key, group_key, group_position)
     SELECT $1::text, $2::jsonb, COALESCE($3::timestamptz, '-infinity'), $4::text, $5::text, ${placeSql(5)}
     ${placement.from}
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      kind,
      JSON.stringify(payload),
      options.runAt ?? null,
      options.dedupeKey ?? null,
      options.group ?? null,
      ...placement.params,
    ],
  )
}

/**
 * Asks for a run of the job with this key, for handlers that reconcile "whatever the state is now" (a saga step):
 * creates the job, revives a finished or dead one with fresh retries, and marks a running one to run once more
 * when it ends, so a change made while the handler works is never missed. A job waiting out a retry delay keeps
 * its delay: the thing it waits for (an outage) is not over because the state changed. Many requests coalesce into
 * one run. A finished job revived in a group goes to the back of the group's queue; an unfinished one keeps its place.
 */
export async function enqueueKeyed(
  tx: Queryable,
  kind: string,
  key: string,
  payload: unknown,
  options: { group?: string } = {},
): Promise<void> {
  const placement = groupPlacement(options.group, 5)
  await tx.query(
    `INSERT INTO job (kind, payload, dedupe_key, group_key, group_position)
     SELECT $1::text, $2::jsonb, $3::text, $4::text, ${placeSql(4)}
     ${placement.from}
     ON CONFLICT (dedupe_key) DO UPDATE SET
       version = job.version + 1, payload = EXCLUDED.payload, status = 'pending', finished_at = NULL,
       attempts = CASE WHEN job.status = 'pending' THEN job.attempts ELSE 0 END,
       run_at = CASE WHEN job.status = 'pending' THEN job.run_at ELSE '-infinity' END,
       group_key = CASE WHEN job.status IN ('done', 'discarded') THEN EXCLUDED.group_key ELSE job.group_key END,
       group_position = CASE WHEN job.status IN ('done', 'discarded')
         THEN EXCLUDED.group_position ELSE job.group_position END`,
    [kind, JSON.stringify(payload), key, options.group ?? null, ...placement.params],
  )
}

/**
 * Asks every pending job of this kind to run once more after the run it has now, the way `enqueueKeyed` does for
 * one: for a state change that all of them must see (a reset), even those running at this moment.
 */
export async function rearmPending(tx: Queryable, kind: string): Promise<void> {
  await tx.query(`UPDATE job SET version = version + 1 WHERE kind = $1 AND status = 'pending'`, [kind])
}
