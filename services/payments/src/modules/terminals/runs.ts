import type { Queryable } from '@kokdala/core'

/** A scheduled reconciliation of one local day (table terminal_reconciliation). */
export interface ReconciliationRun {
  day: string
  from: Date
  to: Date
  status: 'running' | 'done' | 'failed'
  worker: string
  attempts: number
  startedAt: Date
  finishedAt: Date | null
  mismatches: number | null
  unreadable: number | null
  report: unknown
  error: string | null
}

const RUN = `to_char(day, 'YYYY-MM-DD') AS day, period_from AS "from", period_to AS "to", status, worker, attempts,
  started_at AS "startedAt", finished_at AS "finishedAt", mismatches, unreadable, report, error`

/** The scheduled runs' rows: the claim that makes one run per day across processes, the outcome, the listing. */
export function createRunRepository(db: Queryable) {
  return {
    /**
     * Claims the run of `day` for `worker` until `leaseUntil`: true when no run of the day exists, or one that has not
     * succeeded and whose lease has lapsed (its process died, or it failed and its retry time came). One statement:
     * of concurrent claims, PostgreSQL lets one insert (or update) the row and the others see it taken.
     */
    async claim(input: { day: string; from: Date; to: Date; worker: string; now: Date; leaseUntil: Date }) {
      const { rows } = await db.query(
        `INSERT INTO terminal_reconciliation (day, period_from, period_to, status, worker, lease_until, started_at)
         VALUES ($1, $2, $3, 'running', $4, $6, $5)
         ON CONFLICT (day) DO UPDATE SET status = 'running', worker = EXCLUDED.worker,
           lease_until = EXCLUDED.lease_until, started_at = EXCLUDED.started_at,
           attempts = terminal_reconciliation.attempts + 1, error = NULL
         WHERE terminal_reconciliation.status <> 'done' AND terminal_reconciliation.lease_until <= $5
         RETURNING day`,
        [input.day, input.from, input.to, input.worker, input.now, input.leaseUntil],
      )
      return rows.length === 1
    },

    /** Stores a run's report; only the worker holding the claim may. */
    async finish(input: {
      day: string
      worker: string
      now: Date
      mismatches: number
      unreadable: number
      report: unknown
    }): Promise<boolean> {
      const { rows } = await db.query(
        `UPDATE terminal_reconciliation SET status = 'done', finished_at = $3, mismatches = $4, unreadable = $5,
           report = $6::jsonb
         WHERE day = $1 AND worker = $2 AND status = 'running' RETURNING day`,
        [input.day, input.worker, input.now, input.mismatches, input.unreadable, JSON.stringify(input.report)],
      )
      return rows.length === 1
    },

    /** Records a failed run, to be tried again from `retryAt`. */
    async fail(input: { day: string; worker: string; now: Date; error: string; retryAt: Date }): Promise<void> {
      await db.query(
        `UPDATE terminal_reconciliation SET status = 'failed', finished_at = $3, error = $4, lease_until = $5
         WHERE day = $1 AND worker = $2 AND status = 'running'`,
        [input.day, input.worker, input.now, input.error, input.retryAt],
      )
    },

    /** The newest runs first. */
    async list(limit: number): Promise<ReconciliationRun[]> {
      const { rows } = await db.query<ReconciliationRun>(
        `SELECT ${RUN} FROM terminal_reconciliation ORDER BY day DESC LIMIT $1`,
        [limit],
      )
      return rows
    },
  }
}

export type RunRepository = ReturnType<typeof createRunRepository>
