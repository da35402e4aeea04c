import { createHash } from 'node:crypto'
import type { Queryable } from './db.ts'

/**
 * Every named advisory-lock key space, in one place, so two features can never pick the same number by accident.
 *
 * A named lock uses PostgreSQL's two-key form `(space, id)`, with the space from this table. The one-key form (a
 * single bigint) is a separate key space in PostgreSQL, left to each service for its own row ids: tickets locks a
 * booking by its id (select_seats, release_seat, the booking repository, the expiry sweep). Services own separate
 * databases, so the one-key space is never shared; core's locks are all named here.
 *
 * SQL cannot import this file: a migration that takes a named lock writes its number and is listed under `sql`,
 * and `test/locks.test.ts` fails on any advisory lock with a number that is not declared here.
 */
export const lockSpaces = {
  /** `migrate` in db.ts: concurrent starts of one database apply migrations one at a time. */
  migrations: { key: 0 },
  /** Tickets: one user's booking creates and payment starts take turns, so the per-user limits are exact. */
  userBookings: { key: 1 },
  /** Tickets: one user's seat selects take turns, so the cap on seats one user holds is exact. */
  userSeatCap: { key: 2, sql: ['services/tickets/migrations/004_user_seat_cap.sql'] },
  /** Jobs: enqueues into one ordered group take turns, so the group's order is its commit order (jobs/enqueue.ts). */
  jobGroup: { key: 3 },
} as const satisfies Record<string, { key: number; sql?: readonly string[] }>

export type LockSpace = keyof typeof lockSpaces

/** A two-key advisory lock: the space's number and the id within it, both int4 as PostgreSQL takes them. */
export type LockKey = readonly [space: number, id: number]

const INT4_MAX = 2_147_483_647

/**
 * The lock of `id` in a named space. Numeric ids are taken modulo 2^31 − 1 (as the SQL in migrations does), text
 * ids are hashed; two ids sharing a key only take turns, which is never wrong, only slower.
 */
export function lockKey(space: LockSpace, id: number | string): LockKey {
  if (typeof id === 'string') return [lockSpaces[space].key, createHash('sha256').update(id).digest().readInt32BE(0)]
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`lock id must be a non-negative integer, got ${id}`)
  return [lockSpaces[space].key, id % INT4_MAX]
}

/**
 * The lock `migrate` takes. The id is the one earlier releases used, so an old and a new process starting against
 * one database during an upgrade still take turns.
 */
export const MIGRATION_LOCK: LockKey = lockKey('migrations', 727_274)

/** SQL that takes the lock whose two keys are the parameters `$first` and `$first + 1`, for use inside a statement. */
export function lockUntilCommitSql(first: number): string {
  return `pg_advisory_xact_lock($${first}::int, $${first + 1}::int)`
}

/**
 * Takes a transaction-scoped advisory lock: it waits while another transaction holds the key, and is released
 * when the caller's transaction commits or rolls back. Outside a transaction it lasts one statement: useless.
 */
export async function lockUntilCommit(tx: Queryable, key: LockKey): Promise<void> {
  await tx.query(`SELECT ${lockUntilCommitSql(1)}`, [...key])
}
