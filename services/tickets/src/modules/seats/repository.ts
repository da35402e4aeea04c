import type { Queryable } from '@kokdala/core'
import { type HallLayout, lastSeatId } from './halls.ts'

export type SeatStatus = 'FREE' | 'RESERVED' | 'SOLD'

export interface SeatRow {
  id: number
  row: number
  number: number
  status: SeatStatus
  price: number
}

export interface SeatFilter {
  eventId: number
  row?: number
  limit: number
  offset: number
}

/** Outcome codes of the select_seats / release_seat database functions. */
export type SeatChangeResult =
  | 'OK'
  | 'BOOKING_NOT_FOUND'
  | 'BOOKING_FORBIDDEN'
  | 'SEAT_FORBIDDEN'
  | 'SEAT_NOT_FOUND'
  | 'SEAT_OF_OTHER_EVENT'
  | 'BOOKING_NOT_EDITABLE'
  | 'TOO_MANY_SEATS'
  | 'TOO_MANY_RESERVED_SEATS'
  | 'SEAT_NOT_FREE'
  | 'SEAT_NOT_RESERVED'

export interface SeatSelectRequest {
  bookingId: number
  seatId: number
  userId: number
}

const COLUMNS = 's.id, s.row, s.number, s.price'

/** The only place with SQL over seats and seat claims. */
export function createSeatRepository(db: Queryable) {
  return {
    /** Creates the hall and its seats unless they exist; safe to race from several processes. */
    async materializeHall(eventId: number, layout: HallLayout): Promise<boolean> {
      const { rowCount } = await db.query(
        `WITH hall_row AS (
           INSERT INTO hall (event_id, layout, rows, seats_per_row, first_seat_id, last_seat_id)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING RETURNING event_id)
         INSERT INTO seat (id, event_id, row, number, price)
         SELECT $5 + (r - 1) * $7 + (n - 1), hall_row.event_id, r, n, ($8::bigint[])[r]
         FROM hall_row, generate_series(1, $3) AS r, generate_series(1, $4) AS n`,
        [
          eventId,
          layout.layout,
          layout.rows,
          layout.seatsPerRow,
          layout.firstSeatId,
          lastSeatId(layout),
          layout.rowStride,
          layout.rowPrices.map(String),
        ],
      )
      return rowCount > 0
    },

    /** All seats in row/number order with their current status. */
    async list({ eventId, row, limit, offset }: SeatFilter): Promise<SeatRow[]> {
      const { rows } = await db.query<SeatRow>(
        `SELECT ${COLUMNS}, COALESCE(c.status, 'FREE') AS status
         FROM seat s LEFT JOIN seat_claim c ON c.seat_id = s.id
         WHERE s.event_id = $1 AND ($4::int IS NULL OR s.row = $4)
         ORDER BY s.id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null],
      )
      return rows
    },

    /** FREE seats in order, starting at seat id `fromId` (pass 0 for the beginning). */
    async listFree({ eventId, row, limit, offset }: SeatFilter, fromId = 0, beforeId?: number): Promise<SeatRow[]> {
      const { rows } = await db.query<SeatRow>(
        `SELECT ${COLUMNS}, 'FREE' AS status FROM seat s
         WHERE s.event_id = $1 AND ($4::int IS NULL OR s.row = $4) AND s.id >= $5 AND ($6::bigint IS NULL OR s.id < $6)
           AND NOT EXISTS (SELECT 1 FROM seat_claim c WHERE c.seat_id = s.id)
         ORDER BY s.id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null, fromId, beforeId ?? null],
      )
      return rows
    },

    /** RESERVED or SOLD seats in order. */
    async listClaimed({ eventId, row, limit, offset }: SeatFilter, status: 'RESERVED' | 'SOLD'): Promise<SeatRow[]> {
      const { rows } = await db.query<SeatRow>(
        `SELECT ${COLUMNS}, c.status FROM seat_claim c JOIN seat s ON s.id = c.seat_id
         WHERE c.event_id = $1 AND c.status = $5 AND ($4::int IS NULL OR s.row = $4)
         ORDER BY c.seat_id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null, status],
      )
      return rows
    },

    /**
     * Runs a batch of seat selects in one transaction; one outcome per request, in order. `maxUserSeats` caps the
     * seats one user holds per event (null: no cap).
     */
    async selectMany(
      requests: SeatSelectRequest[],
      maxSeats: number,
      maxUserSeats: number | null = null,
    ): Promise<SeatChangeResult[]> {
      const { rows } = await db.query<{ results: SeatChangeResult[] }>(
        'SELECT select_seats($1::bigint[], $2::bigint[], $3::bigint[], $4::integer, $5::integer) AS results',
        [
          requests.map((r) => r.bookingId),
          requests.map((r) => r.seatId),
          requests.map((r) => r.userId),
          maxSeats,
          maxUserSeats,
        ],
      )
      return rows[0].results
    },

    /**
     * Reset: every seat held by a booking becomes FREE, except those of the given bookings, whose seats an outside
     * system (the Event Provider) keeps for good: they stay SOLD, outside any booking. Seats already taken outside
     * stay taken. Without such claims this is a TRUNCATE, which takes milliseconds even after a sold-out stadium.
     */
    async clearBookingClaims(keptOutsideBookings: number[]): Promise<void> {
      if (keptOutsideBookings.length > 0) {
        await db.query(
          `UPDATE seat_claim SET booking_id = NULL, status = 'SOLD' WHERE booking_id = ANY($1::bigint[])`,
          [keptOutsideBookings],
        )
      }
      const { rows } = await db.query('SELECT 1 FROM seat_claim WHERE booking_id IS NULL LIMIT 1')
      await db.exec(rows.length === 0 ? 'TRUNCATE seat_claim' : 'DELETE FROM seat_claim WHERE booking_id IS NOT NULL')
    },

    async release(seatId: number, userId: number): Promise<SeatChangeResult> {
      const { rows } = await db.query<{ result: SeatChangeResult }>('SELECT release_seat($1, $2) AS result', [
        seatId,
        userId,
      ])
      return rows[0].result
    },
  }
}

export type SeatRepository = ReturnType<typeof createSeatRepository>

/**
 * Whether a failed statement may be the fault of what it was given, rather than of a database that could not run
 * it at all. Only then is a failed batch worth splitting. Errors without a SQLSTATE (connection refused, pool
 * timeouts), class 08 (connection lost), 53300 (too many connections) and 57P (shutting down) would fail every part
 * the same way. Anything else may depend on the items or on the batch's size (53200, out of lock-table memory,
 * is the latter), so the batch is split.
 */
export function mayBeItemFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53300|57P)/.test(code)
}
