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
  /**
   * Lease the job's group's next job in the same statement when this run is done (see `ChainedJob`). Only a worker
   * that will run that job at once asks for it.
   */
  chain?: boolean
  /**
   * The run already handed its group on: the next job was leased ahead and started before this settle (a pipelined
   * kind). If the job does not end here (re-armed while it ran, or settled as failed because its settle failed), it
   * must not become due while that next job may still run: it waits a lease (`ChainLease.until`) at least.
   */
  handedOver?: boolean
}

/**
 * The next job of a group, leased by the statement that settled the job before it: a done grouped run hands its
 * slot straight to its successor, so a group (a cashbox's queue) goes from one run's end to the next run's start
 * with one round trip instead of a settle and then a claim. Leased and given an attempt row exactly as a claim does.
 */
export interface ChainedJob extends Job {
  /** Its attempt-history row. */
  attemptId: number
  /** What its kind's `ChainedPrepare` loaded in the same statement; undefined without one (or nothing loaded). */
  prepared?: unknown
}

/**
 * A kind's `prepare` done inside the settle statement that chains its jobs, so a chained job starts with what it
 * needs without a round trip of its own (a cashbox's next receipt marked `sending` and loaded with its shift).
 */
export interface ChainedPrepare {
  /**
   * CTE definitions (`name AS (…)`, names prefixed by the kind's own) over `jobs`, a relation of this kind's chained
   * jobs (`id` bigint, `payload` jsonb), ending in one named `output` that yields (`job_id` bigint, `prepared` json).
   * `at` is the statement's time (SQL). They see the snapshot the statement began with, not the settle's writes:
   * the rows they read must be ones the settled runs did not change.
   */
  ctes(names: { jobs: string; output: string; at: string }, param: (value: unknown) => string): string[]
  /** `JobRun.prepared` from the `prepared` JSON of one job. */
  parse(prepared: unknown): unknown
}

/**
 * A row of a settle statement's input: a run to settle, or (`ahead`) a run still going whose group's next job is to
 * be leased now, before it ends (a pipelined kind, see `JobKind.pipelined`): that job is chained exactly as after a
 * done run, and nothing of the running job changes.
 */
type InputRow = Settlement | Lookahead

interface Lookahead {
  job: Job
  ahead: true
}

const LOOKAHEAD = {
  attempt: null,
  outcome: 'ahead',
  nextRun: null,
  error: null,
  shortError: null,
  writes: [],
  chain: true,
  handedOver: false,
} as const

function isAhead(row: InputRow): row is Lookahead {
  return 'ahead' in row
}

/** Who holds a chained job and until when, asked for at each settle statement that may chain. */
export interface ChainLease {
  until: Date
  holder: string | null
}

/** A settled run's outcome: the job's new status, and whether its group's next job was leased with it. */
export interface SettleResult {
  status: SettledStatus
  chained: boolean
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
function settleStatement(
  rows: readonly InputRow[],
  now: Date,
  lease: ChainLease | undefined,
  prepares: ReadonlyMap<string, ChainedPrepare>,
  pipelinedKinds: ReadonlySet<string>,
): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  // A lookahead goes in as a row with outcome `ahead`, which the settling updates skip.
  const batch: (Omit<Settlement, 'outcome'> & { outcome: SettleOutcome | 'ahead' })[] = rows.map((r) =>
    isAhead(r) ? { ...LOOKAHEAD, job: r.job } : r,
  )
  // Which runs ask to lease their group's next job (a grouped run, and a settler that leases).
  const chains = batch.map((s) => lease !== undefined && s.chain === true && s.job.group !== null)
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
    )}, ${column(chains, 'boolean')}, ${column(
      batch.map((s) => s.handedOver === true),
      'boolean',
    )}) AS i(id, version, attempt, outcome, next_run, error, short_error, chain, handed_over)
  )`
  const at = `${param(now)}::timestamptz`
  // A handed-over run's job that does not end waits until then at least (see `Settlement.handedOver`).
  const held = `${param(lease?.until ?? now)}::timestamptz`
  // A done or dead run ends the job only if nobody re-armed it while it ran (its version is the one claimed).
  const ends = `i.outcome IN ('done', 'dead')`
  const settled = `settled AS (
    UPDATE job j SET
      status = CASE WHEN ${ends} THEN (CASE WHEN j.version = i.version THEN i.outcome ELSE 'pending' END) ELSE j.status END,
      finished_at = CASE WHEN ${ends} THEN (CASE WHEN j.version = i.version THEN ${at} END) ELSE j.finished_at END,
      run_at = CASE WHEN NOT ${ends} THEN (CASE WHEN i.handed_over THEN GREATEST(i.next_run, ${held}) ELSE i.next_run END)
        WHEN j.version = i.version THEN j.run_at WHEN i.handed_over THEN ${held} ELSE '-infinity' END,
      attempts = CASE WHEN i.outcome = 'waiting' THEN j.attempts - 1
        WHEN ${ends} AND j.version <> i.version THEN 0 ELSE j.attempts END,
      last_error = i.error, claimed_by = NULL
    FROM input i WHERE j.id = i.id AND i.outcome <> 'ahead'
    RETURNING j.id, j.status, i.attempt, i.short_error,
      CASE WHEN i.outcome = 'dead' AND j.status <> 'dead' THEN 'failed' ELSE i.outcome END AS recorded
  )`
  const history = `history AS (
    UPDATE job_attempt a SET finished_at = ${at}, outcome = s.recorded, error = s.short_error
    FROM settled s WHERE a.id = s.attempt
  )`
  const ctes = [...writes, input, settled, history]
  let chained = ''
  if (lease !== undefined && chains.includes(true)) {
    ctes.push(
      ...chainStatements({
        at,
        until: `${param(lease.until)}::timestamptz`,
        holder: `${param(lease.holder)}::text`,
        pipelined: `${param([...pipelinedKinds])}::text[]`,
      }),
    )
    const outputs: string[] = []
    for (const [kind, prepare] of prepares) {
      const n = outputs.length
      ctes.push(`chain_jobs_${n} AS (SELECT id, payload FROM chain_leased WHERE kind = ${param(kind)}::text)`)
      ctes.push(...prepare.ctes({ jobs: `chain_jobs_${n}`, output: `chain_prepared_${n}`, at }, param))
      outputs.push(`SELECT job_id, prepared::json FROM chain_prepared_${n}`)
    }
    const prepared = outputs.length === 0 ? 'NULL::json' : 'p.prepared'
    const joined =
      outputs.length === 0 ? '' : ` LEFT JOIN (${outputs.join(' UNION ALL ')}) p (job_id, prepared) ON p.job_id = l.id`
    chained = `
    UNION ALL
    SELECT l.id, 'chained', l.after, l.kind, l.payload, l.attempts, l.version, l.group_key, l.attempt_id, ${prepared}
    FROM chain_leased l${joined}`
  }
  return {
    sql: `WITH ${ctes.join(',\n')}
    SELECT id, status, NULL::bigint AS after, NULL::text AS kind, NULL::jsonb AS payload, NULL::int AS attempts,
      NULL::int AS version, NULL::text AS group_key, NULL::bigint AS attempt_id, NULL::json AS prepared
    FROM settled${chained}`,
    params,
  }
}

/**
 * The CTEs leasing, for each done run asking to chain (and each run looking ahead), its group's next unfinished job
 * when that job is pending and due. All CTEs see the snapshot the statement began with, where the settled job is
 * still unfinished: its successor is the earliest unfinished job placed after it. A run of a job re-armed while it
 * ran leaves the job pending (its group's head still), so it chains nothing. The lock skips a job another worker's claim holds, and
 * re-checks that the job is still pending and due once it has it (a claim that committed first moved its run_at).
 */
function chainStatements(p: { at: string; until: string; holder: string; pipelined: string }): string[] {
  const { at, until, holder } = p
  return [
    // Nothing is chained past an unfinished earlier job (a handed-over run whose job did not end: re-armed, or its
    // settle failed), except the runs this statement settles done: the group then waits for that job's next run.
    // A lookahead leases only a job of a kind that is pipelined itself (it starts before the run ahead settles).
    // Whether a run ended is what `settled` returns, not the snapshot's version: a re-arm committed while the
    // settle waited for the job's row is seen by the update alone, and leaves the job its group's head.
    `chain_next AS (
      SELECT nx.id, i.id AS after FROM input i JOIN job cur ON cur.id = i.id
      CROSS JOIN LATERAL (
        SELECT n.id, n.kind, n.status, n.run_at FROM job n
        WHERE n.group_key = cur.group_key AND n.status IN ('pending', 'dead') AND n.group_position > cur.group_position
        ORDER BY n.group_position LIMIT 1
      ) nx
      WHERE i.chain AND nx.status = 'pending' AND nx.run_at <= ${at}
        AND CASE WHEN i.outcome = 'done' THEN EXISTS (SELECT 1 FROM settled s WHERE s.id = i.id AND s.status = 'done')
          ELSE i.outcome = 'ahead' AND cur.version = i.version AND nx.kind = ANY(${p.pipelined}) END
        AND NOT EXISTS (
          SELECT 1 FROM job e
          WHERE e.group_key = cur.group_key AND e.status IN ('pending', 'dead') AND e.group_position < cur.group_position
            AND NOT EXISTS (SELECT 1 FROM settled d WHERE d.id = e.id AND d.status = 'done')
        )
    )`,
    // The successors go in as an array and are locked by key alone, then checked: joined to the CTE, or with the
    // status and due time beside the key, the planner (trusting a fresh table's statistics) walked the due-jobs
    // index, every queued job of every group, on each settle (45 ms a statement with the join; with the index
    // ANDed in, a cost that grew with the backlog). The check reads the locked row's current version.
    `chain_lock AS MATERIALIZED (
      SELECT j.id, j.status, j.run_at FROM job j WHERE j.id = ANY(ARRAY(SELECT id FROM chain_next))
      FOR UPDATE OF j SKIP LOCKED
    )`,
    `chain_locked AS (SELECT id FROM chain_lock WHERE status = 'pending' AND run_at <= ${at})`,
    `chain_leased AS (
      UPDATE job SET run_at = ${until}, attempts = job.attempts + 1, claimed_by = ${holder}
      FROM chain_locked c JOIN chain_next n ON n.id = c.id WHERE job.id = c.id
      RETURNING job.id, job.kind, job.payload, job.attempts, job.version, job.group_key, n.after,
        nextval('job_attempt_id_seq') AS attempt_id
    )`,
    `chain_started AS (
      INSERT INTO job_attempt (id, job_id, attempt, worker_id, started_at)
      SELECT attempt_id, id, attempts, ${holder}, ${at} FROM chain_leased
    )`,
  ]
}

interface SettleRow {
  id: number
  status: SettledStatus | 'chained'
  after: number | null
  kind: string
  payload: unknown
  attempts: number
  version: number
  group_key: string | null
  attempt_id: number
  prepared: unknown
}

export interface SettlerOptions {
  db: Queryable
  now: () => Date
  /** The lease of jobs chained by a settle (see `ChainedJob`); without it, nothing is chained. */
  chainLease?: () => ChainLease
  /** Takes the jobs one settle statement chained, before the runs they follow resolve. */
  onChained?: (jobs: ChainedJob[]) => void
  /** Kinds whose chained jobs are prepared in the settle statement, by kind. */
  chainedPrepares?: ReadonlyMap<string, ChainedPrepare>
  /** Kinds a lookahead may lease (`JobKind.pipelined`). */
  pipelinedKinds?: ReadonlySet<string>
}

/** A run's result in a settle statement's; a job gone meanwhile has no status. */
function resultOf(results: ReadonlyMap<number, SettleResult>, settlement: Settlement): SettleResult {
  return results.get(settlement.job.id) ?? { status: undefined, chained: false }
}

/** A run waiting for its settle statement, or a running job waiting for its lookahead. */
type QueueEntry = { reject: (error: unknown) => void } & (
  | { ahead: false; row: Settlement; resolve: (result: SettleResult) => void }
  /** Resolved with the leased job, or undefined when none was due. */
  | { ahead: true; row: Lookahead; resolve: (next: ChainedJob | undefined) => void }
)

/**
 * Settles runs, those finishing together in one statement; `settle` resolves with the job's new status. Leases
 * ahead for running jobs (`lookahead`) go in the same statements.
 */
export function createSettler(options: SettlerOptions) {
  const queue: QueueEntry[] = []
  let flushing = false
  const prepares = options.chainedPrepares ?? new Map<string, ChainedPrepare>()
  const pipelinedKinds = options.pipelinedKinds ?? new Set<string>()

  function chainedJob(row: SettleRow): ChainedJob {
    const job: ChainedJob = {
      id: Number(row.id),
      kind: row.kind,
      payload: row.payload,
      attempts: row.attempts,
      version: row.version,
      group: row.group_key,
      attemptId: Number(row.attempt_id),
    }
    const prepare = prepares.get(row.kind)
    // The statement has committed: a job that cannot be given what was prepared runs without it (and loads it), as
    // after a failed `prepare`, rather than failing the settle of runs already written.
    if (prepare && row.prepared !== null) {
      try {
        job.prepared = prepare.parse(row.prepared)
      } catch {}
    }
    return job
  }

  /** Runs one statement for `batch` and resolves each entry (a lookahead with the job it leased, if any). */
  async function run(batch: readonly QueueEntry[]): Promise<void> {
    const { sql, params } = settleStatement(
      batch.map((e) => e.row),
      options.now(),
      options.chainLease?.(),
      prepares,
      pipelinedKinds,
    )
    const { rows } = await options.db.query<SettleRow>(sql, params)
    const results = new Map<number, SettleResult>()
    const aheadOf = new Set(batch.flatMap((e) => (e.ahead ? [e.row.job.id] : [])))
    const leasedAhead = new Map<number, ChainedJob>()
    const chained: ChainedJob[] = []
    for (const row of rows) {
      if (row.status !== 'chained') {
        results.set(Number(row.id), { status: row.status, chained: false })
      } else if (aheadOf.has(Number(row.after))) {
        leasedAhead.set(Number(row.after), chainedJob(row))
      } else {
        chained.push(chainedJob(row))
      }
    }
    for (const row of rows) {
      const before = row.after === null ? undefined : results.get(Number(row.after))
      if (before) before.chained = true
    }
    if (chained.length > 0) options.onChained?.(chained)
    for (const entry of batch) {
      if (entry.ahead) entry.resolve(leasedAhead.get(entry.row.job.id))
      else entry.resolve(resultOf(results, entry.row))
    }
  }

  /** The queue's head: runs with set-based writes only, or one run with a write of its own. */
  function take(): QueueEntry[] {
    const alone = (e: QueueEntry) => !e.ahead && e.row.writes.some((w) => typeof w === 'function')
    if (alone(queue[0])) return queue.splice(0, 1)
    let n = 1
    while (n < queue.length && n < MAX_SETTLE_BATCH && !alone(queue[n])) n++
    return queue.splice(0, n)
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = take()
        if (batch.length > 1) {
          try {
            await run(batch)
            continue
          } catch {
            // Undone whole: one run's write failed (say, its row is gone). Each run is settled alone instead.
          }
        }
        for (const entry of batch) {
          try {
            await run([entry])
          } catch (error) {
            entry.reject(error)
          }
        }
      }
    } finally {
      flushing = false
    }
  }

  function push(entry: QueueEntry): void {
    queue.push(entry)
    if (flushing) return
    // Started on the next microtask: what the same turn hands over (a run's settle and its successor's lookahead)
    // goes in one statement.
    flushing = true
    queueMicrotask(() => void flush())
  }

  return {
    /** Settles the run with the next statement; rejects when its own statement failed (nothing of it committed). */
    settle(settlement: Settlement): Promise<SettleResult> {
      return new Promise((resolve, reject) => push({ ahead: false, row: settlement, resolve, reject }))
    },
    /**
     * Leases, with the next statement, the group's next job after `job`, which is running (a pipelined kind): the
     * job comes back leased to this worker, with its attempt row and its kind's chained prepare, as if the settle of
     * a done `job` had chained it; undefined when none is pending and due, or `job` was re-armed meanwhile.
     */
    lookahead(job: Job): Promise<ChainedJob | undefined> {
      return new Promise((resolve, reject) => push({ ahead: true, row: { job, ahead: true }, resolve, reject }))
    },
  }
}
