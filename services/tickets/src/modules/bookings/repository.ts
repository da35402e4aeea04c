import type { Queryable } from '@kokdala/core'
import type { BookingStatus } from './state.ts'

export interface BookingRow {
  id: number
  userId: number
  eventId: number
  status: BookingStatus
  seatCount: number
  /** The event's local start time, ISO without zone. */
  eventStartsAt: string
}

export interface BookingListItem {
  id: number
  event_id: number
  status: BookingStatus
  seats: Array<{ id: number }>
}

export type PaymentStatus = 'INITIATED' | 'AUTHORIZED' | 'PAID' | 'FAILED' | 'CANCELLED' | 'REFUND_PENDING' | 'REFUNDED'

export interface PaymentRow {
  id: number
  bookingId: number
  amount: number
  status: PaymentStatus
  gatewayOrderId: string
  gatewayPaymentId: string | null
  paymentUrl: string | null
}

/** An archived payment whose money is not settled yet: a form still open, money held, or a refund owed. */
const UNSETTLED: readonly PaymentStatus[] = ['INITIATED', 'AUTHORIZED', 'CANCELLED', 'REFUND_PENDING']

export interface ArchivedPayment {
  id: number
  status: PaymentStatus
  gatewayPaymentId: string
}

const PAYMENT_COLUMNS = `id, booking_id AS "bookingId", amount, status, gateway_order_id AS "gatewayOrderId",
  gateway_payment_id AS "gatewayPaymentId", payment_url AS "paymentUrl"`

async function findBooking(db: Queryable, id: number): Promise<BookingRow | undefined> {
  const { rows } = await db.query<BookingRow>(
    `SELECT b.id, b.user_id AS "userId", b.event_id AS "eventId", b.status,
       (SELECT count(*)::int FROM seat_claim c WHERE c.booking_id = b.id) AS "seatCount",
       to_char(e.starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS "eventStartsAt"
     FROM booking b JOIN event e ON e.id = b.event_id WHERE b.id = $1`,
    [id],
  )
  return rows[0]
}

/** The only place with SQL over bookings, their seat claims and payments. */
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

    async totalPrice(bookingId: number): Promise<number> {
      const { rows } = await db.query<{ total: number }>(
        'SELECT COALESCE(sum(price), 0)::bigint AS total FROM seat_claim WHERE booking_id = $1',
        [bookingId],
      )
      return rows[0].total
    },

    /** Deletes the booking's claims: its seats are FREE from this moment. */
    async freeSeats(bookingId: number): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM seat_claim WHERE booking_id = $1', [bookingId])
      return rowCount
    },

    async sellSeats(bookingId: number): Promise<number> {
      const { rowCount } = await db.query(`UPDATE seat_claim SET status = 'SOLD' WHERE booking_id = $1`, [bookingId])
      return rowCount
    },

    /** Cancels up to `limit` open bookings whose time ran out and frees their seats; returns those that had payments. */
    async expireDue(now: Date, limit: number): Promise<{ bookings: number; paymentBookings: number[] }> {
      const { rows } = await db.query<{ bookings: number; payments: Array<{ bookingId: number }> | null }>(
        `WITH candidates AS (
           SELECT id FROM booking b WHERE status IN ('CREATED', 'PAYMENT_INITIATED') AND expires_at <= $1
             -- The buyer has paid and the saga is securing the tickets: not ours to expire.
             AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.booking_id = b.id AND p.status = 'AUTHORIZED')
           ORDER BY expires_at LIMIT $2),
         -- Bookings another transaction is working on right now are left for the next sweep.
         due AS (SELECT id FROM candidates WHERE pg_try_advisory_xact_lock(id)),
         -- Re-checked on the latest row version: a booking paid since this statement began is not expired.
         expired AS (
           UPDATE booking b SET status = 'CANCELLED', cancel_reason = 'EXPIRED', updated_at = $1
           FROM due WHERE b.id = due.id AND b.status IN ('CREATED', 'PAYMENT_INITIATED') AND b.expires_at <= $1
           RETURNING b.id),
         freed AS (DELETE FROM seat_claim c USING expired WHERE c.booking_id = expired.id RETURNING c.seat_id),
         payments AS (
           UPDATE payment p SET status = 'CANCELLED', updated_at = $1 FROM expired
           WHERE p.booking_id = expired.id AND p.status = 'INITIATED'
           RETURNING p.id, p.booking_id AS "bookingId")
         SELECT (SELECT count(*)::int FROM expired) AS bookings, (SELECT count(*) FROM freed) AS seats,
           (SELECT json_agg(payments) FROM payments) AS payments`,
        [now, limit],
      )
      return { bookings: rows[0].bookings, paymentBookings: (rows[0].payments ?? []).map((p) => p.bookingId) }
    },

    /**
     * Creates the booking's payment under the given random id (the public order number), or returns undefined when
     * that id is taken, so the caller draws another. Its gateway order id is the id plus the random suffix.
     */
    async insertPayment(input: {
      id: number
      bookingId: number
      amount: number
      gateway: string
      now: Date
      orderSuffix: string
    }): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(
        `INSERT INTO payment (id, booking_id, amount, status, gateway, created_at, updated_at, gateway_order_id)
         VALUES ($1::bigint, $2, $3, 'INITIATED', $4, $5, $5, $1::bigint::text || '-' || $6::text)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${PAYMENT_COLUMNS}`,
        [input.id, input.bookingId, input.amount, input.gateway, input.now, input.orderSuffix],
      )
      return rows[0]
    },

    /**
     * The user's payment starts nobody has paid yet and that are still open (payment INITIATED, booking
     * PAYMENT_INITIATED): how many, and their sum in tiyn. Read under the user's lock, so it is exact.
     */
    async unpaidOfUser(userId: number): Promise<{ count: number; amount: number }> {
      const { rows } = await db.query<{ count: number; amount: number }>(
        `SELECT count(*)::int AS count, COALESCE(sum(p.amount), 0)::bigint AS amount
         FROM booking b JOIN payment p ON p.booking_id = b.id
         WHERE b.user_id = $1 AND b.status = 'PAYMENT_INITIATED' AND p.status = 'INITIATED'`,
        [userId],
      )
      return rows[0]
    },

    /** Undoes an initiatePayment the gateway refused: the booking is editable again and has no payment. */
    async undoPaymentInitiation(bookingId: number, paymentId: number, now: Date): Promise<void> {
      await db.query(`DELETE FROM payment WHERE id = $1 AND status = 'INITIATED' AND gateway_payment_id IS NULL`, [
        paymentId,
      ])
      await db.query(
        `UPDATE booking SET status = 'CREATED', updated_at = $2 WHERE id = $1 AND status = 'PAYMENT_INITIATED'`,
        [bookingId, now],
      )
    },

    /**
     * Hands a refunded booking's seats to "taken outside Biletter": used when the provider holds them in a
     * CONFIRMED order that can never be cancelled, so they must not be sold again.
     */
    async detachSeats(bookingId: number): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE seat_claim SET booking_id = NULL, status = 'SOLD' WHERE booking_id = $1`,
        [bookingId],
      )
      return rowCount
    },

    async paymentOfBooking(bookingId: number): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE booking_id = $1`, [
        bookingId,
      ])
      return rows[0]
    },

    async findPayment(id: number): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE id = $1`, [id])
      return rows[0]
    },

    async findPaymentByGatewayId(gatewayPaymentId: string): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(
        `SELECT ${PAYMENT_COLUMNS} FROM payment WHERE gateway_payment_id = $1`,
        [gatewayPaymentId],
      )
      return rows[0]
    },

    async setPaymentGatewayRef(id: number, gatewayPaymentId: string, paymentUrl: string, now: Date) {
      await db.query('UPDATE payment SET gateway_payment_id = $2, payment_url = $3, updated_at = $4 WHERE id = $1', [
        id,
        gatewayPaymentId,
        paymentUrl,
        now,
      ])
    },

    /**
     * Copies every payment the gateway knows of, with its booking and seats, into the archive, for a reset that is
     * about to empty the tables. Returns how many were archived and the bookings whose money is still to be settled
     * (a form to cancel, a hold to void, a refund to make): their sagas do it after the reset.
     */
    async archivePayments(now: Date): Promise<{ archived: number; unsettled: number[] }> {
      const { rows } = await db.query<{ bookingId: number; status: PaymentStatus }>(
        `INSERT INTO payment_archive (payment_id, booking_id, user_id, event_id, booking_status, seat_ids, amount,
           status, gateway, gateway_order_id, gateway_payment_id, created_at, archived_at)
         SELECT p.id, b.id, b.user_id, b.event_id, b.status,
           ARRAY(SELECT c.seat_id FROM seat_claim c WHERE c.booking_id = b.id ORDER BY c.seat_id),
           p.amount, p.status, p.gateway, p.gateway_order_id, p.gateway_payment_id, p.created_at, $1
         FROM payment p JOIN booking b ON b.id = p.booking_id
         WHERE p.gateway_payment_id IS NOT NULL
         ON CONFLICT (payment_id) DO NOTHING
         RETURNING booking_id AS "bookingId", status`,
        [now],
      )
      const unsettled = rows.filter((row) => UNSETTLED.includes(row.status)).map((row) => row.bookingId)
      return { archived: rows.length, unsettled }
    },

    /** The archived payment of a booking a reset removed, if the gateway knew it. */
    async archivedPaymentOfBooking(bookingId: number): Promise<ArchivedPayment | undefined> {
      const { rows } = await db.query<ArchivedPayment>(
        `SELECT payment_id AS id, status, gateway_payment_id AS "gatewayPaymentId" FROM payment_archive
         WHERE booking_id = $1`,
        [bookingId],
      )
      return rows[0]
    },

    async setArchivedPaymentStatus(id: number, status: PaymentStatus): Promise<void> {
      await db.query('UPDATE payment_archive SET status = $2 WHERE payment_id = $1', [id, status])
    },

    /** Empties bookings and payments (reset); sequences go on, so ids are never reused. */
    async removeAll(): Promise<void> {
      await db.exec('TRUNCATE payment, booking')
    },

    /** Writes an amount the gateway accepted at init into the daily ledger, once per gateway order. */
    async recordGatewayInitiation(gatewayOrderId: string, amount: number, now: Date) {
      await db.query(
        `INSERT INTO gateway_initiation (gateway_order_id, amount, initiated_at) VALUES ($1, $2, $3)
         ON CONFLICT (gateway_order_id) DO NOTHING`,
        [gatewayOrderId, amount, now],
      )
    },

    /** The sum in tiyn of the amounts initiated at the gateway since `from` (the start of the gateway's day). */
    async gatewayInitiatedSince(from: Date): Promise<number> {
      const { rows } = await db.query<{ total: number }>(
        'SELECT COALESCE(sum(amount), 0)::bigint AS total FROM gateway_initiation WHERE initiated_at >= $1',
        [from],
      )
      return rows[0].total
    },

    async setPaymentStatus(id: number, status: PaymentStatus, now: Date) {
      await db.query('UPDATE payment SET status = $2, updated_at = $3 WHERE id = $1', [id, status, now])
    },
  }
}

export type BookingRepository = ReturnType<typeof createBookingRepository>
