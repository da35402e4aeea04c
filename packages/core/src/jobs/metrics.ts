import { Counter, Gauge, type Registry } from 'prom-client'
import type { Queryable } from '../db.ts'
import type { Worker, WorkerStats } from './worker.ts'

/**
 * Publishes job health on a metrics registry: failed attempts and jobs given up on by kind (counted by the given
 * workers of this process), the dead jobs waiting in the table for an operator, and the ordered groups a dead job
 * stops (all processes).
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
  new Gauge({
    name: 'jobs_blocked_groups',
    help: 'Ordered job groups stopped by a dead job: nothing more of the group runs until it is retried or discarded',
    registers: [registry],
    async collect() {
      const rows = await db
        .query<{ count: number }>(
          `SELECT count(DISTINCT group_key)::int AS count FROM job WHERE status = 'dead' AND group_key IS NOT NULL`,
        )
        .then((result) => result.rows)
        .catch(() => undefined)
      if (rows) this.set(rows[0].count)
    },
  })
}
