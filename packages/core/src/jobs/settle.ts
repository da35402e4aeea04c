/**
 * Settling finished runs: a run's outcome (done, retried, waiting, dead), its attempt-history row and the writes its
 * handler handed back commit in one statement. Runs that finish while a settle statement is in flight are settled
 * together by the next one (group commit: no timer, so a lone run settles at once and a busy worker sends one
 * statement for many runs). Each run's rows commit with its outcome or not at all: a batch statement that fails is
 * undone whole, and its runs are then settled one by one.
 */
import type { Queryable } from '../db.ts'

/** A claimed job (see `createWorker`). */
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
 * a value and returns its placeholder. It commits with the job's new state or not at all, in one round trip. A run
 * with such a write is settled in a statement of its own (two runs' statements could touch one row).
 */
export type JobWrite = (param: (value: unknown) => string) => string

/**
 * A row for a set-based write: the rows that runs settled together hand to the same `statement` (the same function
 * object) are written by one data-modifying statement over `rows`, a FROM item yielding them (`unnest` of one array
 * per column, named `r`). The rows of one statement must not touch the same target row twice (one statement
 * cannot update a row twice); per-job rows (an attempt log, the job's own message) are what it is for.
 */
export interface JobRowWrite {
  readonly statement: (rows: string) => string
  /** Column names and PostgreSQL types, in the order of `row`; the same for every row of one statement. */
  readonly columns: readonly (readonly [name: string, type: string])[]
  readonly row: readonly unknown[]
}

/** What a run asks for when it is settled. */
export type SettleOutcome = 'done' | 'failed' | 'waiting' | 'dead'

export interface Settlement {
  job: Job
  /** The run's attempt-history row. */
  attempt: number | null
  outcome: SettleOutcome
  /** When a failed or waiting job runs again. */
  nextRun: Date | null
  /** The error's message (null when done) and the same cut short for the history. */
  error: string | null
  shortError: string | null
  writes: readonly (JobWrite | JobRowWrite)[]
}

/**
 * The job's status after settling: done, dead, or pending (retried, waiting, or re-armed while it ran, which makes
 * a done or dead run pending again); undefined when the job is gone.
 */
export type SettledStatus = 'done' | 'dead' | 'pending' | 'discarded' | undefined

/** Most runs one settle statement carries. */
const MAX_SETTLE_BATCH = 64

/** A value as an array element: timestamps as ISO text, which both drivers pass through arrays unchanged. */
function element(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value
}

/** The data-modifying CTE bodies of the writes, row writes of one statement merged into one. */
function writeStatements(writes: readonly (JobWrite | JobRowWrite)[], param: (value: unknown) => string): string[] {
  const statements: string[] = []
  const rowsByStatement = new Map<JobRowWrite['statement'], JobRowWrite[]>()
  for (const write of writes) {
    if (typeof write === 'function') {
      statements.push(write(param))
      continue
    }
    const rows = rowsByStatement.get(write.statement)
    if (rows) rows.push(write)
    else rowsByStatement.set(write.statement, [write])
  }
  for (const [statement, rows] of rowsByStatement) {
    const { columns } = rows[0]
    const arrays = columns.map(([, type], c) => `${param(rows.map((r) => element(r.row[c])))}::${type}[]`)
    statements.push(statement(`unnest(${arrays.join(', ')}) AS r(${columns.map(([name]) => name).join(', ')})`))
  }
  return statements
}

/** Runs writes on their own, in one statement; returns the rows they touched. */
export async function runJobWrites(q: Queryable, writes: readonly (JobWrite | JobRowWrite)[]): Promise<number> {
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const statements = writeStatements(writes, param)
  if (statements.length === 1) return (await q.query(statements[0], params)).rowCount
  const ctes = statements.map((sql, i) => `w_${i} AS (${sql} RETURNING 1)`)
  const sum = statements.map((_, i) => `(SELECT count(*) FROM w_${i})`).join(' + ')
  const { rows } = await q.query<{ n: number }>(`WITH ${ctes.join(',\n')} SELECT (${sum})::int AS n`, params)
  return rows[0].n
}

/**
 * The statement settling `batch`: the runs' writes as CTEs, then every job by its outcome (a done or dead run of a
 * job re-armed meanwhile leaves it pending, due at once, with fresh retries), then each attempt-history row. The
 * job first, then its history: every writer touches the two tables in this order.
 */
function settleStatement(batch: readonly Settlement[], now: Date): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const writes = writeStatements(
    batch.flatMap((s) => s.writes),
    param,
  ).map((sql, i) => `write_${i} AS (${sql})`)
  const column = (values: unknown[], type: string) => `${param(values.map(element))}::${type}[]`
  const input = `input AS (
    SELECT * FROM unnest(${column(
      batch.map((s) => s.job.id),
      'bigint',
    )}, ${column(
      batch.map((s) => s.job.version),
      'int',
    )}, ${column(
      batch.map((s) => s.attempt),
      'bigint',
    )}, ${column(
      batch.map((s) => s.outcome),
      'text',
    )}, ${column(
      batch.map((s) => s.nextRun),
      'timestamptz',
    )}, ${column(
      batch.map((s) => s.error),
      'text',
    )}, ${column(
      batch.map((s) => s.shortError),
      'text',
    )}) AS i(id, version, attempt, outcome, next_run, error, short_error)
  )`
  const at = `${param(now)}::timestamptz`
  // A done or dead run ends the job only if nobody re-armed it while it ran (its version is the one claimed).
  const ends = `i.outcome IN ('done', 'dead')`
  const settled = `settled AS (
    UPDATE job j SET
      status = CASE WHEN ${ends} THEN (CASE WHEN j.version = i.version THEN i.outcome ELSE 'pending' END) ELSE j.status END,
      finished_at = CASE WHEN ${ends} THEN (CASE WHEN j.version = i.version THEN ${at} END) ELSE j.finished_at END,
      run_at = CASE WHEN NOT ${ends} THEN i.next_run WHEN j.version = i.version THEN j.run_at ELSE '-infinity' END,
      attempts = CASE WHEN i.outcome = 'waiting' THEN j.attempts - 1
        WHEN ${ends} AND j.version <> i.version THEN 0 ELSE j.attempts END,
      last_error = i.error, claimed_by = NULL
    FROM input i WHERE j.id = i.id
    RETURNING j.id, j.status, i.attempt, i.short_error,
      CASE WHEN i.outcome = 'dead' AND j.status <> 'dead' THEN 'failed' ELSE i.outcome END AS recorded
  )`
  const history = `history AS (
    UPDATE job_attempt a SET finished_at = ${at}, outcome = s.recorded, error = s.short_error
    FROM settled s WHERE a.id = s.attempt
  )`
  return {
    sql: `WITH ${[...writes, input, settled, history].join(',\n')}\nSELECT id, status FROM settled`,
    params,
  }
}

/** Settles runs, those finishing together in one statement; `settle` resolves with the job's new status. */
export function createSettler(options: { db: Queryable; now: () => Date }) {
  const queue: { settlement: Settlement; resolve: (status: SettledStatus) => void; reject: (e: unknown) => void }[] = []
  let flushing = false

  async function run(batch: readonly Settlement[]): Promise<Map<number, SettledStatus>> {
    const { sql, params } = settleStatement(batch, options.now())
    const { rows } = await options.db.query<{ id: number; status: SettledStatus }>(sql, params)
    return new Map(rows.map((row) => [Number(row.id), row.status]))
  }

  /** The queue's head: runs with set-based writes only, or one run with a write of its own. */
  function take(): typeof queue {
    const alone = (entry: (typeof queue)[number]) => entry.settlement.writes.some((w) => typeof w === 'function')
    if (alone(queue[0])) return queue.splice(0, 1)
    let n = 1
    while (n < queue.length && n < MAX_SETTLE_BATCH && !alone(queue[n])) n++
    return queue.splice(0, n)
  }

  async function flush(): Promise<void> {
    flushing = true
    try {
      while (queue.length > 0) {
        const batch = take()
        if (batch.length > 1) {
          try {
            const statuses = await run(batch.map((entry) => entry.settlement))
            for (const entry of batch) entry.resolve(statuses.get(entry.settlement.job.id))
            continue
          } catch {
            // Undone whole: one run's write failed (say, its row is gone). Each run is settled alone instead.
          }
        }
        for (const entry of batch) {
          try {
            entry.resolve((await run([entry.settlement])).get(entry.settlement.job.id))
          } catch (error) {
            entry.reject(error)
          }
        }
      }
    } finally {
      flushing = false
    }
  }

  return {
    /** Settles the run with the next statement; rejects when its own statement failed (nothing of it committed). */
    settle(settlement: Settlement): Promise<SettledStatus> {
      return new Promise((resolve, reject) => {
        queue.push({ settlement, resolve, reject })
        if (!flushing) void flush()
      })
    },
  }
}
