import type { Clock } from '../clock.ts'
import type { Database, Queryable } from '../db.ts'
import type { DefinedJob } from './define.ts'
import {
  type ChainedJob,
  type ChainedPrepare,
  createSettler,
  type Job,
  type JobRowWrite,
  type JobWrite,
  runJobWrites,
  type Settlement,
  type SettleResult,
} from './settle.ts'

export type { ChainedPrepare, Job, JobRowWrite, JobWrite } from './settle.ts'

/** What the worker gives each run besides the job. */
export interface JobRun {
  /** What the kind's `prepare` loaded for this job when its batch was claimed; undefined without one. */
  readonly prepared: unknown
  /**
   * Writes to commit with the run's outcome, whatever it is (the attempt log of a delivery that failed too). Row
   * writes of runs finishing together go in one set-based statement; a `JobWrite` settles its run on its own.
   */
  settleWith(...writes: (JobWrite | JobRowWrite)[]): void
  /**
   * What the run before this one in its group left with `pass`, when this job was leased ahead while that run went
   * on (`JobKind.pipelined`): what that run changed after this job was prepared. Undefined otherwise.
   */
  readonly passed: unknown
  /** Leaves a value to the group's next run if it was leased ahead of this run's end (see `passed`). */
  pass(value: unknown): void
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
  /**
   * The same as `prepare`, as SQL run inside the settle statement that chains this kind's jobs (see `ChainedJob`):
   * a chained job then starts without a round trip of its own. Without it, chained jobs go through `prepare`.
   */
  chainedPrepare?: ChainedPrepare
  /**
   * Pipelined (grouped jobs only): while a job of this kind runs, its group's next job is leased and prepared
   * ahead, so it starts the moment this run ends done, and this run settles behind it. A cashbox whose queue waits
   * for each settle statement between two calls then waits for none. The next job is released again (its lease and
   * its kind's `unprepare` undone in one statement) when this run does not end done or the worker stops, so the
   * group's order holds. What a pipelined kind accepts: the next run may start before this run's settle commits
   * (it must not read what that settle writes); a run whose job does not end in that settle (re-armed, or its
   * settle failed) runs again after the next one, a lease later (`Settlement.handedOver`). Only jobs of pipelined
   * kinds are leased ahead.
   */
  pipelined?: boolean
  /**
   * Undoes what this kind's `prepare` or `chainedPrepare` wrote for a job leased ahead and then released unrun: the
   * writes commit with the release of its lease. `prepared` is what the prepare loaded (undefined if nothing).
   */
  unprepare?: (job: Job, prepared: unknown) => JobWrite[]
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
  /**
   * Most jobs claimed at once, and most a polling worker holds waiting for a slot or running; as many more may be
   * waiting for their settle statement (see `pump`).
   */
  batchSize?: number
  /**
   * Jobs run this many at a time (different jobs; one job never runs twice at once). Polling, a free slot takes the
   * next claimed job at once and claims more when none is left: a slow job holds its own slot, not the others.
   */
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
 * group follow commit order (see `enqueue`), so no snapshot can see a job without the jobs placed before it. Used for
 * a claim of one keyed job; the polling claim looks at heads only (`DUE_CANDIDATES`).
 */
const GROUP_HEAD = `(j.group_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM job earlier WHERE earlier.group_key = j.group_key AND earlier.status IN ('pending', 'dead')
    AND earlier.group_position < j.group_position))`

/**
 * What a polling claim may take: the due ungrouped jobs in run order, and every group's head (its earliest
 * unfinished job) when that head is pending and due. The groups are walked by a skip scan of
 * `job_group_unfinished` (one probe per group, one more for its head), so a claim costs the number of groups, not
 * the depth of their queues: asking each queued job whether an earlier one of its group was unfinished took 49 ms
 * a claim with 1 700 receipts queued on 10 cashboxes, and the claims then used most of PostgreSQL's CPU. A head
 * that is running (leased into the future), waiting out a retry, or dead holds its group back, as before. `$1` is
 * now, `$2` the batch size.
 */
const DUE_CANDIDATES = `groups AS (
    (SELECT group_key FROM job WHERE group_key IS NOT NULL AND status IN ('pending', 'dead')
     ORDER BY group_key LIMIT 1)
    UNION ALL
    SELECT (SELECT next.group_key FROM job next
            WHERE next.group_key > g.group_key AND next.status IN ('pending', 'dead')
            ORDER BY next.group_key LIMIT 1)
    FROM groups g WHERE g.group_key IS NOT NULL
  ), candidates AS (
    SELECT head.id FROM groups g CROSS JOIN LATERAL (
      SELECT id, status, run_at FROM job WHERE group_key = g.group_key AND status IN ('pending', 'dead')
      ORDER BY group_position LIMIT 1
    ) head
    WHERE head.status = 'pending' AND head.run_at <= $1
    UNION ALL
    (SELECT id FROM job WHERE status = 'pending' AND run_at <= $1 AND group_key IS NULL ORDER BY run_at, id LIMIT $2)
  )`

/** What a claim of the job keyed `$3` may take: that job, if it is its group's head. */
const KEYED_CANDIDATE = `candidates AS (SELECT j.id FROM job j WHERE j.dedupe_key = $3 AND ${GROUP_HEAD})`

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
   * its history: every writer touches the two tables in this order (clearJobs too). `candidates` is a CTE list
   * ending in `candidates (id)`; `params` fill it from $3 after the batch size ($2); $1 is now. A candidate is locked
   * only if it is still pending and due when the lock is taken (a worker that claimed it meanwhile moved its run_at).
   * The candidates go in as an array so the jobs are fetched by key (an `IN` over the CTE was planned as a scan of
   * the whole table).
   */
  async function claim(candidates: string, params: unknown[]): Promise<Job[]> {
    const now = clock.now()
    const all = [now, ...params, new Date(now.getTime() + leaseMs), workerId]
    const leasedUntil = `$${all.length - 1}::timestamptz`
    const holder = `$${all.length}::text`
    const { rows } = await db.query<Job & { attemptId: number }>(
      `WITH RECURSIVE ${candidates}, claimed AS (
         SELECT j.id, j.run_at FROM job j
         WHERE j.id = ANY(ARRAY(SELECT id FROM candidates)) AND j.status = 'pending' AND j.run_at <= $1
         ORDER BY j.run_at, j.id LIMIT $2 FOR UPDATE OF j SKIP LOCKED
       ), leased AS (
         UPDATE job SET run_at = ${leasedUntil}, attempts = job.attempts + 1, claimed_by = ${holder}
         FROM claimed WHERE job.id = claimed.id
         RETURNING job.id, job.kind, job.payload, job.attempts, job.version, job.group_key, claimed.run_at AS due,
           nextval('job_attempt_id_seq') AS attempt_id
       ), started AS (
         INSERT INTO job_attempt (id, job_id, attempt, worker_id, started_at)
         SELECT attempt_id, id, attempts, ${holder}, $1::timestamptz FROM leased
       )
       SELECT id, kind, payload, attempts, version, group_key AS "group", attempt_id AS "attemptId"
       FROM leased ORDER BY due, id`,
      all,
    )
    const jobs = rows.map(hold)
    await prepareAll(jobs)
    return jobs
  }

  /** Takes a leased job in hand: its attempt row remembered, its lease renewed until it settles. */
  function hold({ attemptId, ...job }: Job & { attemptId: number }): Job {
    attemptRows.set(job.id, attemptId)
    holdLease(job)
    return job
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

  /** Stops renewing the lease of each held job; set at the claim, called before the job settles. */
  const leases = new Map<number, () => Promise<void>>()

  /**
   * Keeps a held job's lease alive from its claim to its settling, so a job waiting for a slot behind slow ones, or a
   * handler slower than the lease (partners timing out one call after another), is never claimed a second time.
   */
  function holdLease(job: Job): void {
    leases.set(job.id, renewLease(job, false))
  }

  /**
   * Keeps `job`'s `run_at` at least a lease ahead, renewed every third of a lease (and once at once when
   * `immediately`), until the returned function is called; that function resolves once the last renewal has.
   */
  function renewLease(job: Job, immediately: boolean): () => Promise<void> {
    const renew = () =>
      db
        .query(`UPDATE job SET run_at = GREATEST(run_at, $2) WHERE id = $1 AND status = 'pending'`, [
          job.id,
          new Date(clock.now().getTime() + leaseMs),
        ])
        .catch((error) => options.onError?.(job, error))
    let renewal: Promise<unknown> = immediately ? renew() : Promise.resolve()
    const timer = setInterval(() => {
      renewal = renew()
    }, leaseMs / 3)
    timer.unref()
    return async () => {
      clearInterval(timer)
      await renewal
    }
  }

  async function releaseLease(job: Job): Promise<void> {
    const release = leases.get(job.id)
    leases.delete(job.id)
    await release?.()
  }

  const settler = createSettler({
    db,
    now: () => clock.now(),
    chainLease: () => ({ until: new Date(clock.now().getTime() + leaseMs), holder: workerId }),
    onChained: (jobs) => takeChained(jobs),
    chainedPrepares: new Map(
      [...kinds].flatMap(([name, kind]) => (kind.chainedPrepare ? [[name, kind.chainedPrepare] as const] : [])),
    ),
    pipelinedKinds: new Set([...kinds].flatMap(([name, kind]) => (kind.pipelined ? [name] : []))),
  })

  /** A failed run's settlement: retried on the kind's schedule, dead after its last retry. */
  function failure(job: Job, kind: JobKind | undefined, error: unknown, base: Settlement): Settlement {
    const message = error instanceof Error ? error.message : String(error)
    const now = clock.now()
    const failed = { ...base, error: message, shortError: message.slice(0, ATTEMPT_ERROR_CHARS) }
    if (error instanceof RetryLater) {
      return { ...failed, outcome: 'waiting', nextRun: new Date(now.getTime() + error.delayMs) }
    }
    stats.failed[job.kind] = (stats.failed[job.kind] ?? 0) + 1
    options.onError?.(job, error)
    const delay = (kind?.retrySchedule ?? options.retrySchedule ?? DEFAULT_RETRIES)[job.attempts - 1]
    // Out of retries, unless the job was re-armed while it ran: then the new request gets fresh retries.
    if (delay === undefined) return { ...failed, outcome: 'dead', nextRun: null }
    return { ...failed, outcome: 'failed', nextRun: new Date(now.getTime() + delay) }
  }

  /** A run's outcome: how to settle it, the error it failed with, and what it passes to its group's next run. */
  interface Executed {
    settlement: Settlement
    error: unknown
    passed?: unknown
  }

  /**
   * Runs one held job (`passed`: what its group's previous run left it); resolves (never rejects) with how to
   * settle it, once its lease is no longer renewed.
   */
  async function execute(job: Job, passed?: unknown): Promise<Executed> {
    const kind = kinds.get(job.kind)
    const attempt = attemptRows.get(job.id) ?? null
    attemptRows.delete(job.id)
    const prepared = preparedByJob.get(job.id)
    preparedByJob.delete(job.id)
    const writes: (JobWrite | JobRowWrite)[] = []
    let passOn: unknown
    const run: JobRun = {
      prepared,
      passed,
      settleWith: (...more) => {
        writes.push(...more)
      },
      pass: (value) => {
        passOn = value
      },
    }
    const base: Settlement = { job, attempt, outcome: 'done', nextRun: null, error: null, shortError: null, writes }
    try {
      if (!kind) throw new Error(`no handler for job kind ${job.kind}`)
      await kind.run(job, run)
      return { settlement: base, error: undefined, passed: passOn }
    } catch (error) {
      return { settlement: failure(job, kind, error, base), error }
    } finally {
      // A renewal after the settle would move a retried job's next run.
      await releaseLease(job)
    }
  }

  /**
   * Settles an executed run (in one statement with the runs finishing beside it) and gives a dead job's kind its
   * last word. A done run whose settle statement fails is a failed run, settled with the same writes; if that fails
   * too, nothing of it committed and its job runs again when its lease ends.
   */
  async function finish({ settlement, error }: Executed, chain = false, handedOver = false): Promise<SettleResult> {
    const { job } = settlement
    const kind = kinds.get(job.kind)
    let result: SettleResult
    try {
      result = await settler.settle({ ...settlement, chain, handedOver })
    } catch (settleError) {
      if (settlement.outcome !== 'done') throw settleError
      error = settleError
      settlement = failure(job, kind, settleError, { ...settlement, outcome: 'done', handedOver })
      result = await settler.settle(settlement)
    }
    if (settlement.outcome === 'dead' && result.status === 'dead') {
      stats.dead[job.kind] = (stats.dead[job.kind] ?? 0) + 1
      if (kind?.onDead) await kind.onDead(job, error).catch((deadError) => options.onError?.(job, deadError))
    }
    return result
  }

  /** Runs claimed jobs with at most `concurrency` in flight; resolves once every one is settled. */
  async function runAll(jobs: Job[]): Promise<void> {
    let next = 0
    const settling: Promise<void>[] = []
    const lanes = Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      // A lane goes on to its next job while the previous one settles: settling is batched across lanes.
      while (next < jobs.length) {
        const settled = finish(await execute(jobs[next++])).then(() => {})
        // Handled here so a failure while other lanes still run is not an unhandled rejection; reported below.
        settled.catch(() => {})
        settling.push(settled)
      }
    })
    await Promise.all(lanes)
    // Every run settles (or fails to) before the first failure is reported.
    const failed = (await Promise.allSettled(settling)).find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
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
    const jobs = await claim(DUE_CANDIDATES, [batchSize])
    await runAll(jobs)
    return jobs.length
  }

  // The polling loop. `held` counts jobs claimed and not yet settled: those waiting for a slot, running, settling;
  // `settling` those of them whose run ended and whose settle statement has not committed yet.
  const waiting: Job[] = []
  let running = 0
  let held = 0
  let settling = 0
  let claiming = false
  /** False after a claim that came back short: the next claim waits for the poll timer. */
  let mayClaim = true
  /**
   * A grouped job settled since the last claim began: its group's next job became due just now, which that claim
   * could not see. Without this, a group (a cashbox's queue) would run one job per poll interval.
   */
  let groupFreed = false
  let stopping: (() => void) | undefined

  /**
   * Fills free slots from the claimed jobs, and claims more when a slot is free with nothing left to give it, or
   * ahead of time when fewer than a round of slots wait and there is room for at least that many: the slots then
   * do not stand idle while the claim's round trips are under way.
   *
   * A slot is free again as soon as its run ends; the run settles behind it (with the runs ending beside it, in one
   * statement). Room for a claim is what `batchSize` leaves of the jobs waiting and running: runs waiting for their
   * settle do not count there, or a settle statement's commit (a WAL flush, milliseconds) would hold back the next
   * claim and leave the slots idle. They are bounded on their own: no claim while `batchSize` runs or more wait to
   * settle (the database is behind; let it catch up). So a worker holds at most twice `batchSize` jobs.
   */
  function pump(): void {
    while (running < concurrency && waiting.length > 0) void start(waiting.shift() as Job)
    if (stopped) {
      if (held === 0 && !claiming) stopping?.()
      return
    }
    const room = settling >= batchSize ? 0 : batchSize - (held - settling)
    const dry = running < concurrency && waiting.length === 0
    const low = waiting.length < concurrency && room >= concurrency
    if (mayClaim && !claiming && room > 0 && (dry || low)) claimMore()
  }

  /**
   * Runs a held job in a slot (`passed`: what its group's previous run left it), then settles it. Resolves once its
   * settle statement has committed or failed.
   */
  function start(job: Job, passed?: unknown): Promise<void> {
    running++
    const ahead = leaseAhead(job)
    return execute(job, passed).then(async (executed) => {
      // Leased while this run went on, so settled long ago as a rule.
      const next = await ahead
      running--
      settling++
      const handOver = next !== undefined && executed.settlement.outcome === 'done' && !stopped
      // A done grouped run hands its place to its group's next job in its settle statement, unless stopping or
      // that job was leased ahead already.
      const settled = finish(executed, !stopped && next === undefined, handOver).catch((error) => {
        options.onError?.(job, error)
        return undefined
      })
      const done = settled.then((result) => {
        settling--
        held--
        if (job.group !== null && result?.chained !== true && !handOver) {
          groupFreed = true
          mayClaim = true
        }
        pump()
      })
      // The next job starts in the slot just left, its lookahead joining this run's settle statement.
      let nextRun: Promise<void> | undefined
      if (handOver) nextRun = start(next, executed.passed)
      else if (next !== undefined) release(next)
      pump()
      if (nextRun !== undefined) {
        // A handed-over job that did not end in its settle (re-armed, or its settle failed) is its group's head
        // again: it stays leased until the job that went ahead has run and settled, however long that takes.
        const result = await settled
        if (result?.status !== 'done' && result?.status !== 'dead' && result?.status !== 'discarded') {
          // It is not running: its lease is renewed here, at once, until then.
          const holdBack = renewLease(job, true)
          await nextRun
          await holdBack()
        }
      }
      await done
    })
  }

  /**
   * A run of a pipelined kind: its group's next job, leased and prepared while the run goes on (see
   * `JobKind.pipelined`). Undefined when the kind is not pipelined, the worker stops, or no next job is due.
   */
  function leaseAhead(job: Job): Promise<Job | undefined> | undefined {
    if (stopped || job.group === null || kinds.get(job.kind)?.pipelined !== true) return undefined
    return settler
      .lookahead(job)
      .then(async (leased) => {
        if (leased === undefined) return undefined
        // Held from here: whatever happens, it is started or given back when this run ends.
        const { job: next, prepared } = holdChained(leased)
        if (!prepared) await prepareAll([next]).catch(() => {})
        return next
      })
      .catch((error) => {
        // Nothing leased (the statement failed): the run goes on and its settle chains as usual.
        options.onError?.(job, error)
        return undefined
      })
  }

  /**
   * Gives back a job leased ahead that is not to run now (the run before it did not end done, or the worker
   * stops): its lease, its attempt row and what its kind's prepare wrote (`unprepare`) are undone in one
   * statement. If that fails, the job waits out its lease, behind its group's head still.
   */
  function release(job: Job): void {
    const attempt = attemptRows.get(job.id)
    attemptRows.delete(job.id)
    const prepared = preparedByJob.get(job.id)
    preparedByJob.delete(job.id)
    const writes: JobWrite[] = [
      // Whatever its version: a job re-armed while leased ahead keeps its attempts, so the lease's one comes off.
      (param) => `UPDATE job SET run_at = ${param(clock.now())}, attempts = attempts - 1, claimed_by = NULL
        WHERE id = ${param(job.id)} AND status = 'pending'`,
      ...(attempt === undefined
        ? []
        : [(param: (v: unknown) => string) => `DELETE FROM job_attempt WHERE id = ${param(attempt)}`]),
      ...(kinds.get(job.kind)?.unprepare?.(job, prepared) ?? []),
    ]
    void releaseLease(job)
      .then(() => runJobWrites(db, writes))
      .catch((error) => options.onError?.(job, error))
      .finally(() => {
        held--
        pump()
      })
  }

  /**
   * Holds a job a settle statement leased (chained or leased ahead), keeping what its kind's chained prepare loaded
   * in that statement (with nothing loaded, left to the handler, as after a failed `prepare`). `prepared` is false
   * when its kind has no chained prepare: its `prepare` is still to run.
   */
  function holdChained({ prepared, ...chained }: ChainedJob): { job: Job; prepared: boolean } {
    held++
    const job = hold(chained)
    if (kinds.get(job.kind)?.chainedPrepare === undefined) return { job, prepared: false }
    if (prepared !== undefined) preparedByJob.set(job.id, prepared)
    return { job, prepared: true }
  }

  /**
   * Takes the jobs a settle statement leased after the runs it settled (see `ChainedJob`): held from now, prepared
   * as one batch, then run as soon as a slot is free (the slot their predecessors just left, usually).
   */
  function takeChained(leased: ChainedJob[]): void {
    const ready: Job[] = []
    const unprepared: Job[] = []
    for (const chained of leased) {
      const { job, prepared } = holdChained(chained)
      if (prepared) ready.push(job)
      else unprepared.push(job)
    }
    waiting.push(...ready)
    pump()
    if (unprepared.length === 0) return
    void prepareAll(unprepared).then(() => {
      waiting.push(...unprepared)
      pump()
    })
  }

  function claimMore(): void {
    claiming = true
    groupFreed = false
    const limit = batchSize - (held - settling)
    claim(DUE_CANDIDATES, [limit]).then(
      (jobs) => {
        claiming = false
        held += jobs.length
        waiting.push(...jobs)
        // A short claim means the due jobs are all taken: look again after the poll interval, unless a group's job
        // settled meanwhile (its next job is due now).
        if (jobs.length < limit && !groupFreed) wait()
        pump()
      },
      () => {
        claiming = false
        wait()
        pump()
      },
    )
  }

  function wait(): void {
    mayClaim = false
    clearTimeout(timer)
    if (stopped) return
    timer = setTimeout(() => {
      mayClaim = true
      pump()
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
      const jobs = await claim(KEYED_CANDIDATE, [1, key])
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
        wait()
      }
    },
    /** Failed attempts and dead jobs by kind, counted by this worker. */
    stats(): WorkerStats {
      return { failed: { ...stats.failed }, dead: { ...stats.dead } }
    },
    /** Stops claiming; resolves once every job this worker holds has run and settled. */
    async stop() {
      stopped = true
      clearTimeout(timer)
      if (held === 0 && !claiming) return
      await new Promise<void>((resolve) => {
        stopping = resolve
      })
    },
  }
}

export type Worker = ReturnType<typeof createWorker>
