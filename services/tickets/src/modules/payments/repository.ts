import type { Queryable } from '@kokdala/core'
import type { PaymentStatus } from './state.ts'

/** A booking's payment as services see it: money in `bigint` tiyn, ids as numbers. */
export interface PaymentRow {
  id: number
  bookingId: number
  amount: bigint
  status: PaymentStatus
  gatewayOrderId: string
  gatewayPaymentId: string | null
  paymentUrl: string | null
}

/** An archived payment (a reset removed its booking) that the gateway knows of. */
export interface ArchivedPayment {
  id: number
  status: PaymentStatus
  gatewayPaymentId: string
}

/** A booking as the payment archive copies it, told by the bookings and seats modules that own it. */
export interface ArchivedBooking {
  id: number
  userId: number
  eventId: number
  status: string
  seatIds: number[]
}

/** An archived payment whose money is not settled yet: a form still open, money held, or a refund owed. */
const UNSETTLED: readonly PaymentStatus[] = ['INITIATED', 'AUTHORIZED', 'CANCELLED', 'REFUND_PENDING']

const COLUMNS = `id, booking_id AS "bookingId", amount, status, gateway_order_id AS "gatewayOrderId",
  gateway_payment_id AS "gatewayPaymentId", payment_url AS "paymentUrl"`

type StoredPayment = Omit<PaymentRow, 'amount'> & { amount: number }

/** int8 columns arrive as numbers (core's parser); money leaves the repository as bigint tiyn. */
function toPayment(row: StoredPayment | undefined): PaymentRow | undefined {
  return row && { ...row, amount: BigInt(row.amount) }
}

/**
 * The only place with SQL over `payment`, `payment_archive` and `gateway_initiation`: the payments module's tables.
 * It reads no other module's table; what it needs of bookings and seats it is given (ids, the archive's bookings).
 */
export function createPaymentRepository(db: Queryable) {
  async function one(where: string, value: unknown): Promise<PaymentRow | undefined> {
    const { rows } = await db.query<StoredPayment>(`SELECT ${COLUMNS} FROM payment WHERE ${where} = $1`, [value])
    return toPayment(rows[0])
  }

  return {
    ofBooking: (bookingId: number) => one('booking_id', bookingId),
    find: (id: number) => one('id', id),
    findByGatewayId: (gatewayPaymentId: string) => one('gateway_payment_id', gatewayPaymentId),

    /**
     * Creates the booking's payment under the given random id (the public order number), or returns undefined when
     * that id is taken, so the caller draws another. Its gateway order id is the id plus the random suffix.
     */
    async insert(input: {
      id: number
      bookingId: number
      amount: bigint
      status: PaymentStatus
      gateway: string
      now: Date
      orderSuffix: string
    }): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<StoredPayment>(
        `INSERT INTO payment (id, booking_id, amount, status, gateway, created_at, updated_at, gateway_order_id)
         VALUES ($1::bigint, $2, $3::bigint, $7, $4, $5, $5, $1::bigint::text || '-' || $6::text)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [input.id, input.bookingId, input.amount.toString(), input.gateway, input.now, input.orderSuffix, input.status],
      )
      return toPayment(rows[0])
    },

    /**
     * The payment starts of these bookings nobody has paid yet (payment INITIATED): how many, and their sum in tiyn.
     * Given the user's PAYMENT_INITIATED bookings under the user's lock, this is the user's exact unpaid total.
     */
    async unpaidOf(bookingIds: number[]): Promise<{ count: number; amount: bigint }> {
      if (bookingIds.length === 0) return { count: 0, amount: 0n }
      const { rows } = await db.query<{ count: number; amount: number }>(
        `SELECT count(*)::int AS count, COALESCE(sum(amount), 0)::bigint AS amount FROM payment
         WHERE booking_id = ANY($1::bigint[]) AND status = 'INITIATED'`,
        [bookingIds],
      )
      return { count: rows[0].count, amount: BigInt(rows[0].amount) }
    },

    /** The bookings, of these or (without ids) of all, whose payment is AUTHORIZED: the gateway holds the money. */
    async authorizedBookings(bookingIds?: number[]): Promise<number[]> {
      if (bookingIds?.length === 0) return []
      const { rows } = await db.query<{ bookingId: number }>(
        `SELECT booking_id AS "bookingId" FROM payment
         WHERE status = 'AUTHORIZED' AND ($1::bigint[] IS NULL OR booking_id = ANY($1::bigint[]))`,
        [bookingIds ?? null],
      )
      return rows.map((row) => row.bookingId)
    },

    /** The bookings whose payment the gateway knows of (it has a gateway payment id): those a reset archives. */
    async bookingsKnownToGateway(): Promise<number[]> {
      const { rows } = await db.query<{ bookingId: number }>(
        'SELECT booking_id AS "bookingId" FROM payment WHERE gateway_payment_id IS NOT NULL ORDER BY booking_id',
      )
      return rows.map((row) => row.bookingId)
    },

    async setStatus(id: number, status: PaymentStatus, now: Date): Promise<void> {
      await db.query('UPDATE payment SET status = $2, updated_at = $3 WHERE id = $1', [id, status, now])
    },

    /** Moves the payments of these bookings that are in `from` to `to`; returns the bookings whose payment moved. */
    async setStatusOfBookings(bookingIds: number[], from: PaymentStatus, to: PaymentStatus, now: Date) {
      if (bookingIds.length === 0) return []
      const { rows } = await db.query<{ bookingId: number }>(
        `UPDATE payment SET status = $3, updated_at = $4 WHERE booking_id = ANY($1::bigint[]) AND status = $2
         RETURNING booking_id AS "bookingId"`,
        [bookingIds, from, to, now],
      )
      return rows.map((row) => row.bookingId)
    },

    /** Deletes a payment the gateway never heard of (its init was refused); a payment it knows stays. */
    async deleteUnsent(id: number): Promise<void> {
      await db.query(`DELETE FROM payment WHERE id = $1 AND status = 'INITIATED' AND gateway_payment_id IS NULL`, [id])
    },

    async setGatewayRef(id: number, gatewayPaymentId: string, paymentUrl: string, now: Date): Promise<void> {
      await db.query('UPDATE payment SET gateway_payment_id = $2, payment_url = $3, updated_at = $4 WHERE id = $1', [
        id,
        gatewayPaymentId,
        paymentUrl,
        now,
      ])
    },

    /** Writes an amount the gateway accepted at init into the daily ledger, once per gateway order. */
    async recordGatewayInitiation(gatewayOrderId: string, amount: bigint, now: Date): Promise<void> {
      await db.query(
        `INSERT INTO gateway_initiation (gateway_order_id, amount, initiated_at) VALUES ($1, $2::bigint, $3)
         ON CONFLICT (gateway_order_id) DO NOTHING`,
        [gatewayOrderId, amount.toString(), now],
      )
    },

    /** The sum in tiyn of the amounts initiated at the gateway since `from` (the start of the gateway's day). */
    async gatewayInitiatedSince(from: Date): Promise<bigint> {
      const { rows } = await db.query<{ total: number }>(
        'SELECT COALESCE(sum(amount), 0)::bigint AS total FROM gateway_initiation WHERE initiated_at >= $1',
        [from],
      )
      return BigInt(rows[0].total)
    },

    /**
     * Copies every payment the gateway knows of into the archive with its booking, as the bookings and seats modules
     * described it (`bookings`), for a reset that is about to empty the tables; a payment whose booking is not among
     * them is not copied. Returns how many were archived and the bookings whose money is still to be settled (a
     * form to cancel, a hold to void, a refund to make): their sagas do it after the reset.
     */
    async archiveAll(now: Date, bookings: ArchivedBooking[]): Promise<{ archived: number; unsettled: number[] }> {
      if (bookings.length === 0) return { archived: 0, unsettled: [] }
      const { rows } = await db.query<{ bookingId: number; status: PaymentStatus }>(
        `INSERT INTO payment_archive (payment_id, booking_id, user_id, event_id, booking_status, seat_ids, amount,
           status, gateway, gateway_order_id, gateway_payment_id, created_at, archived_at)
         SELECT p.id, b.id, b.user_id, b.event_id, b.status, b.seat_ids::bigint[],
           p.amount, p.status, p.gateway, p.gateway_order_id, p.gateway_payment_id, p.created_at, $1
         FROM payment p
         JOIN unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])
           AS b(id, user_id, event_id, status, seat_ids) ON b.id = p.booking_id
         WHERE p.gateway_payment_id IS NOT NULL
         ON CONFLICT (payment_id) DO NOTHING
         RETURNING booking_id AS "bookingId", status`,
        [
          now,
          bookings.map((b) => b.id),
          bookings.map((b) => b.userId),
          bookings.map((b) => b.eventId),
          bookings.map((b) => b.status),
          // One array literal per booking: unnest would flatten an array of arrays.
          bookings.map((b) => `{${b.seatIds.join(',')}}`),
        ],
      )
      const unsettled = rows.filter((row) => UNSETTLED.includes(row.status)).map((row) => row.bookingId)
      return { archived: rows.length, unsettled }
    },

    /** The archived payment of a booking a reset removed, if the gateway knew it. */
    async archivedOfBooking(bookingId: number): Promise<ArchivedPayment | undefined> {
      const { rows } = await db.query<ArchivedPayment>(
        `SELECT payment_id AS id, status, gateway_payment_id AS "gatewayPaymentId" FROM payment_archive
         WHERE booking_id = $1`,
        [bookingId],
      )
      return rows[0]
    },

    async setArchivedStatus(id: number, status: PaymentStatus): Promise<void> {
      await db.query('UPDATE payment_archive SET status = $2 WHERE payment_id = $1', [id, status])
    },

    /** Empties `payment` (reset); the archive and the daily ledger outlive resets, as the gateway's records do. */
    async removeAll(): Promise<void> {
      await db.exec('TRUNCATE payment')
    },
  }
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>
