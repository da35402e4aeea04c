import type { Queryable } from '@kokdala/core'
import type { BookingStatus } from './state.ts'

export interface BookingRow {
  id: number
  userId: number
  eventId: number
  status: BookingStatus
  /** The event's local start time, ISO without zone. */
  eventStartsAt: string
}

export interface BookingListItem {
  id: number
  event_id: number
  status: BookingStatus
  seats: Array<{ id: number }>
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
    `SELECT b.id, b.user_id AS "userId", b.event_id AS "eventId", b.status,
       to_char(e.starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS "eventStartsAt"
     FROM booking b JOIN event e ON e.id = b.event_id WHERE b.id = $1`,
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

    async listForUser(userId: number): Promise<BookingListItem[]> {
      const { rows } = await db.query<BookingListItem>(
        `SELECT b.id, b.event_id, b.status,
           COALESCE(json_agg(json_build_object('id', c.seat_id) ORDER BY c.seat_id)
             FILTER (WHERE c.seat_id IS NOT NULL), '[]') AS seats
         FROM booking b LEFT JOIN seat_claim c ON c.booking_id = b.id
         WHERE b.user_id = $1 GROUP BY b.id ORDER BY b.id`,
        [userId],
      )
      return rows
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
     * Moves up to `limit` bookings in one of `from` whose time ran out to `to` (the expiry of the booking table),
     * with `reason`; returns their ids. Bookings whose money the gateway holds (payment AUTHORIZED) are left to
     * their saga, and bookings another transaction is working on right now are left for the next sweep.
     */
    async expireDue(now: Date, limit: number, from: BookingStatus[], to: BookingStatus, reason: string) {
      // The statuses are written into the statement, not bound: the planner then sees that the partial index on
      // open bookings' expiry (status IN ('CREATED', 'PAYMENT_INITIATED')) covers the sweep.
      const open = statusList(from)
      const { rows } = await db.query<{ id: number }>(
        `WITH candidates AS (
           SELECT id FROM booking b WHERE status IN (${open}) AND expires_at <= $1
             -- The buyer has paid and the saga is securing the tickets: not ours to expire.
             AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.booking_id = b.id AND p.status = 'AUTHORIZED')
           ORDER BY expires_at LIMIT $2),
         due AS (SELECT id FROM candidates WHERE pg_try_advisory_xact_lock(id))
         -- Re-checked on the latest row version: a booking paid since this statement began is not expired.
         UPDATE booking b SET status = $3, cancel_reason = $4, updated_at = $1
         FROM due WHERE b.id = due.id AND b.status IN (${open}) AND b.expires_at <= $1
         RETURNING b.id`,
        [now, limit, to, reason],
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
