import { setTimeout as sleep } from 'node:timers/promises'
import type { Database, Queryable } from './db.ts'
import { CoreError } from './errors.ts'

export interface ExclusiveTransactionOptions {
  /**
   * Longest one attempt waits for all its locks (default 200 ms), and never more than half of the server's
   * `deadlock_timeout`: see `exclusiveTransaction` for why that bound makes deadlocks impossible.
   */
  lockWaitMs?: number
  /** Attempts stop after this long (default 10 s) with 503 `DATABASE_BUSY`. */
  deadlineMs?: number
}

// A table name goes into the LOCK statement as it is: only plain, optionally schema-qualified identifiers.
const TABLE_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/

/** SQLSTATEs of a lock wait that gave up: statement timeout, lock timeout, or chosen as a deadlock's victim. */
const LOCK_WAIT_FAILED = new Set(['57014', '55P03', '40P01'])

/**
 * Runs `fn` in a transaction that first takes ACCESS EXCLUSIVE locks on `tables`, in sorted order and in one
 * statement, before it reads or writes anything: for work that empties whole tables (a reset) beside writers that
 * keep running.
 *
 * Taking the locks up front means the body never waits for a writer midway, holding some tables while it asks for
 * another, which is how a TRUNCATE deadlocks with a transaction that touched the tables in another order. The lock
 * statement itself can still be caught in a cycle (it holds the first tables while it waits for a later one that a
 * writer holds, and the writer then asks for one of the first), and no single order suits every writer. So the
 * wait is bounded: past `lockWaitMs` (kept under half of `deadlock_timeout`, so it always ends before PostgreSQL's
 * deadlock check runs in any waiting writer) the attempt rolls back, releasing everything, and tries again after a
 * short random pause. A writer is thus held up for at most one wait and is never a deadlock's victim.
 *
 * On PGlite (one connection, so a transaction already excludes every other) the locks are taken at once.
 */
export async function exclusiveTransaction<T>(
  db: Database,
  tables: readonly string[],
  fn: (tx: Queryable) => Promise<T>,
  { lockWaitMs = 200, deadlineMs = 10_000 }: ExclusiveTransactionOptions = {},
): Promise<T> {
  const sorted = [...new Set(tables)].sort()
  const invalid = sorted.filter((table) => !TABLE_NAME.test(table))
  if (sorted.length === 0 || invalid.length > 0) {
    throw new TypeError(`exclusiveTransaction needs plain table names, got ${JSON.stringify(tables)}`)
  }
  const lockStatement = `LOCK TABLE ${sorted.join(', ')} IN ACCESS EXCLUSIVE MODE`
  const deadline = Date.now() + deadlineMs
  for (let attempt = 1; ; attempt++) {
    let locked = false
    try {
      return await db.transaction(async (tx) => {
        if (db.kind === 'postgres') {
          // statement_timeout, not lock_timeout: it bounds the whole statement, however many locks it waits for.
          await tx.query(
            `SELECT set_config('statement_timeout',
               least($1::int, (SELECT setting::int / 2 FROM pg_settings WHERE name = 'deadlock_timeout'))::text, true)`,
            [lockWaitMs],
          )
        }
        await tx.exec(lockStatement)
        if (db.kind === 'postgres') await tx.exec('SET LOCAL statement_timeout TO DEFAULT')
        locked = true
        return fn(tx)
      })
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (locked || typeof code !== 'string' || !LOCK_WAIT_FAILED.has(code)) throw error
      if (Date.now() >= deadline) {
        throw new CoreError('DATABASE_BUSY', undefined, { tables: sorted, attempts: attempt }, { retryAfterMs: 1_000 })
      }
      // Random pauses, growing a little, so retries do not line up with the writers they yielded to.
      await sleep(Math.random() * 20 * Math.min(attempt, 5))
    }
  }
}
