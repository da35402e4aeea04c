import type { Queryable } from '@kokdala/core'
import type { BookingStatus } from './state.ts'

export interface BookingRow {
  id: number
  userId: number
  eventId: number
  status: BookingStatus
}

/** A booking in its user's list, without its seats (the seats module holds them). */
export interface BookingListRow {
  id: number
  event_id: number
  status: BookingStatus
}

/** What the payment archive keeps of a booking (docs/adr/0005-one-owner-per-table.md: the bookings module's part). */
export interface BookingSnapshot {
  id: number
  userId: number
  eventId: number
  status: BookingStatus
}

/** Booking statuses as an SQL list; they come from the transition table, and only status names pass. */
function statusList(statuses: BookingStatus[]): string {
  if (statuses.length === 0 || !statuses.every((status) => /^[A-Z_]+$/.test(status))) {
    throw new Error(`not a list of booking statuses: ${statuses.join(', ')}`)
  }
  return statuses.map((status) => `'${status}'`).join(', ')
}

async function findBooking(db: Queryable, id: number): Promise<BookingRow | undefined> {
  const { rows } = await db.query<BookingRow>(
    'SELECT id, user_id AS "userId", event_id AS "eventId", status FROM booking WHERE id = $1',
    [id],
  )
  return rows[0]
}

/** The only place with SQL over `booking`: the bookings module's table. */
export function createBookingRepository(db: Queryable) {
  return {
    async countOpen(userId: number): Promise<number> {
      const { rows } = await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM booking WHERE user_id = $1 AND status IN ('CREATED', 'PAYMENT_INITIATED')`,
        [userId],
      )
      return rows[0].count
    },

    async insert(input: { userId: number; eventId: number; now: Date; expiresAt: Date }) {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO booking (user_id, event_id, status, created_at, updated_at, expires_at)
         VALUES ($1, $2, 'CREATED', $3, $3, $4) RETURNING id`,
        [input.userId, input.eventId, input.now, input.expiresAt],
      )
      return rows[0].id
    },

    async listForUser(userId: number): Promise<BookingListRow[]> {
      const { rows } = await db.query<BookingListRow>(
        'SELECT id, event_id, status FROM booking WHERE user_id = $1 ORDER BY id',
        [userId],
      )
      return rows
    },

    /** The ids of the user's bookings in `status`. */
    async idsOfUser(userId: number, status: BookingStatus): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>('SELECT id FROM booking WHERE user_id = $1 AND status = $2', [
        userId,
        status,
      ])
      return rows.map((row) => row.id)
    },

    /** The status of each of these bookings that exists. */
    async statusesOf(ids: number[]): Promise<Array<{ id: number; status: BookingStatus }>> {
      if (ids.length === 0) return []
      const { rows } = await db.query<{ id: number; status: BookingStatus }>(
        'SELECT id, status FROM booking WHERE id = ANY($1::bigint[])',
        [ids],
      )
      return rows
    },

    /** Owner, event and status of each of these bookings that exists. */
    async snapshotsOf(ids: number[]): Promise<BookingSnapshot[]> {
      if (ids.length === 0) return []
      const { rows } = await db.query<BookingSnapshot>(
        `SELECT id, user_id AS "userId", event_id AS "eventId", status FROM booking WHERE id = ANY($1::bigint[])`,
        [ids],
      )
      return rows
    },

    /** How many of the event's bookings are not cancelled. */
    async countOfEvent(eventId: number): Promise<number> {
      const { rows } = await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM booking WHERE event_id = $1 AND status <> 'CANCELLED'`,
        [eventId],
      )
      return rows[0].count
    },

    /**
     * Locks a booking for the rest of the transaction and reads it. The lock is the transaction-scoped advisory
     * lock keyed by the booking id that every change of a booking takes (see select_seats); the read comes after
     * it, so it sees the latest committed state.
     */
    async lock(id: number): Promise<BookingRow | undefined> {
      await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [id])
      return findBooking(db, id)
    },

    /** Reads a booking without locking it (the saga decides from it, then acts through locked transitions). */
    find: (id: number) => findBooking(db, id),

    /** The booking's current status, or undefined when it no longer exists (reset). */
    async statusOf(id: number): Promise<BookingStatus | undefined> {
      const { rows } = await db.query<{ status: BookingStatus }>('SELECT status FROM booking WHERE id = $1', [id])
      return rows[0]?.status
    },

    async setStatus(id: number, status: BookingStatus, now: Date, extra: { expiresAt?: Date; reason?: string } = {}) {
      await db.query(
        `UPDATE booking SET status = $2, updated_at = $3, expires_at = COALESCE($4, expires_at),
           cancel_reason = COALESCE($5, cancel_reason) WHERE id = $1`,
        [id, status, now, extra.expiresAt ?? null, extra.reason ?? null],
      )
    },

    /**
     * Locks up to `limit` bookings in one of `from` whose time ran out, except `excluded`, and returns their ids:
     * the first half of the expiry of the booking table. Bookings another transaction is working on right now are
     * skipped (left for the next sweep); the locks are held to the end of the transaction, so a booking locked here
     * cannot be paid, cancelled or changed until the sweep commits.
     */
    async lockDue(now: Date, limit: number, from: BookingStatus[], excluded: number[]): Promise<number[]> {
      // The statuses are written into the statement, not bound: the planner then sees that the partial index on
      // open bookings' expiry (status IN ('CREATED', 'PAYMENT_INITIATED')) covers the sweep.
      const open = statusList(from)
      const { rows } = await db.query<{ id: number }>(
        `WITH candidates AS (
           SELECT id FROM booking WHERE status IN (${open}) AND expires_at <= $1 AND id <> ALL($3::bigint[])
           ORDER BY expires_at LIMIT $2)
         SELECT id FROM candidates WHERE pg_try_advisory_xact_lock(id)`,
        [now, limit, excluded],
      )
      return rows.map((row) => row.id)
    },

    /**
     * Moves those of these bookings (locked by `lockDue`) that are still in one of `from` and due to `to`, with
     * `reason`; returns their ids. Read after the locks were taken, so it sees the latest committed state.
     */
    async expire(ids: number[], now: Date, from: BookingStatus[], to: BookingStatus, reason: string) {
      if (ids.length === 0) return []
      const open = statusList(from)
      const { rows } = await db.query<{ id: number }>(
        `UPDATE booking SET status = $3, cancel_reason = $4, updated_at = $2
         WHERE id = ANY($1::bigint[]) AND status IN (${open}) AND expires_at <= $2
         RETURNING id`,
        [ids, now, to, reason],
      )
      return rows.map((row) => row.id)
    },

    /** Moves the booking from `from` to `to` unless it has moved on meanwhile; returns whether it moved. */
    async setStatusIf(id: number, from: BookingStatus, to: BookingStatus, now: Date): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE booking SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2',
        [id, from, to, now],
      )
      return rowCount > 0
    },

    /** Empties `booking` (reset); its sequence goes on, so ids are never reused. */
    async removeAll(): Promise<void> {
      await db.exec('TRUNCATE booking')
    },
  }
}
export type BookingRepository = ReturnType<typeof createBookingRepository>
