import type { Queryable } from '@kokdala/core'
import { type HallLayout, lastSeatId } from './halls.ts'
import type { SeatState } from './state.ts'

export type SeatStatus = 'FREE' | 'RESERVED' | 'SOLD'

export interface SeatRow {
  id: number
  row: number
  number: number
  status: SeatStatus
  /** Tiyn. */
  price: bigint
}

/** int8 columns arrive as numbers (core's parser); money leaves the repository as bigint tiyn. */
function withTiyn(rows: Array<Omit<SeatRow, 'price'> & { price: number | bigint }>): SeatRow[] {
  for (const row of rows) row.price = BigInt(row.price)
  return rows as SeatRow[]
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

/** The status a claim is in: a claim with a booking is RESERVED or SOLD; OUTSIDE is SOLD with no booking. */
export type ClaimStatus = 'RESERVED' | 'SOLD'

/** A page of the provider's places, mapped to local seat ids. */
export interface PlacePage {
  seatIds: number[]
  placeIds: string[]
  free: boolean[]
}

/** One of an event's seats with a provider place, and its claim (see `placesOfEvent`). */
export interface EventPlace {
  seatId: number
  placeId: string
  claimStatus: ClaimStatus | null
  /** The claim's booking; null when the seat is FREE or taken outside Biletter. */
  bookingId: number | null
  /** Whether the seat has a claim at all (a claim without a booking is a seat taken outside Biletter). */
  claimed: boolean
}

/** An event's seat counts for analytics. */
export interface SeatSales {
  totalSeats: number
  soldSeats: number
  reservedSeats: number
  /** Tiyn. */
  revenue: bigint
}

/** How each move of a booking's claims is written: FREE deletes them, SOLD marks them, OUTSIDE detaches them. */
const MOVE_CLAIMS: Record<Exclude<SeatState, 'RESERVED'>, string> = {
  FREE: 'DELETE FROM seat_claim WHERE booking_id = ANY($1::bigint[]) AND status = ANY($2::text[])',
  SOLD: `UPDATE seat_claim SET status = 'SOLD' WHERE booking_id = ANY($1::bigint[]) AND status = ANY($2::text[])`,
  OUTSIDE: `UPDATE seat_claim SET booking_id = NULL, status = 'SOLD'
    WHERE booking_id = ANY($1::bigint[]) AND status = ANY($2::text[])`,
}

/** The only place with SQL over halls, seats and seat claims: the seats module's tables. */
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
      const { rows } = await db.query<Omit<SeatRow, 'price'> & { price: number }>(
        `SELECT ${COLUMNS}, COALESCE(c.status, 'FREE') AS status
         FROM seat s LEFT JOIN seat_claim c ON c.seat_id = s.id
         WHERE s.event_id = $1 AND ($4::int IS NULL OR s.row = $4)
         ORDER BY s.id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null],
      )
      return withTiyn(rows)
    },

    /** FREE seats in order, starting at seat id `fromId` (pass 0 for the beginning). */
    async listFree({ eventId, row, limit, offset }: SeatFilter, fromId = 0, beforeId?: number): Promise<SeatRow[]> {
      const { rows } = await db.query<Omit<SeatRow, 'price'> & { price: number }>(
        `SELECT ${COLUMNS}, 'FREE' AS status FROM seat s
         WHERE s.event_id = $1 AND ($4::int IS NULL OR s.row = $4) AND s.id >= $5 AND ($6::bigint IS NULL OR s.id < $6)
           AND NOT EXISTS (SELECT 1 FROM seat_claim c WHERE c.seat_id = s.id)
         ORDER BY s.id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null, fromId, beforeId ?? null],
      )
      return withTiyn(rows)
    },

    /** RESERVED or SOLD seats in order. */
    async listClaimed({ eventId, row, limit, offset }: SeatFilter, status: 'RESERVED' | 'SOLD'): Promise<SeatRow[]> {
      const { rows } = await db.query<Omit<SeatRow, 'price'> & { price: number }>(
        `SELECT ${COLUMNS}, c.status FROM seat_claim c JOIN seat s ON s.id = c.seat_id
         WHERE c.event_id = $1 AND c.status = $5 AND ($4::int IS NULL OR s.row = $4)
         ORDER BY c.seat_id LIMIT $2 OFFSET $3`,
        [eventId, limit, offset, row ?? null, status],
      )
      return withTiyn(rows)
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
     * Reset: every seat held by a booking becomes FREE; seats taken outside stay taken. Without such claims this is a
     * TRUNCATE, which takes milliseconds even after a sold-out stadium.
     */
    async freeAllOfBookings(): Promise<void> {
      const { rows } = await db.query('SELECT 1 FROM seat_claim WHERE booking_id IS NULL LIMIT 1')
      await db.exec(rows.length === 0 ? 'TRUNCATE seat_claim' : 'DELETE FROM seat_claim WHERE booking_id IS NOT NULL')
    },

    /** Moves every claim of these bookings that is in one of `from` to `to`; returns how many moved. */
    async moveClaimsOfBookings(
      bookingIds: number[],
      from: ClaimStatus[],
      to: Exclude<SeatState, 'RESERVED'>,
    ): Promise<number> {
      if (bookingIds.length === 0 || from.length === 0) return 0
      const { rowCount } = await db.query(MOVE_CLAIMS[to], [bookingIds, from])
      return rowCount
    },

    /** FREE seats become taken outside Biletter (SOLD, no booking); seats claimed already stay as they are. */
    async takeOutside(seatIds: number[]): Promise<void> {
      if (seatIds.length === 0) return
      await db.query(
        `INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
         SELECT s.id, s.event_id, NULL, 'SOLD', s.price FROM seat s WHERE s.id = ANY($1::bigint[])
         ON CONFLICT (seat_id) DO NOTHING`,
        [seatIds],
      )
    },

    /** Seats taken outside Biletter are FREE again; claims of bookings are not touched. */
    async freeOutside(seatIds: number[]): Promise<void> {
      if (seatIds.length === 0) return
      await db.query('DELETE FROM seat_claim WHERE seat_id = ANY($1::bigint[]) AND booking_id IS NULL', [seatIds])
    },

    /** How many seats the booking holds and the sum of their prices in tiyn (copied into the claims at select). */
    async priceOfBooking(bookingId: number): Promise<{ seats: number; amount: bigint }> {
      const { rows } = await db.query<{ seats: number; amount: number }>(
        'SELECT count(*)::int AS seats, COALESCE(sum(price), 0)::bigint AS amount FROM seat_claim WHERE booking_id = $1',
        [bookingId],
      )
      return { seats: rows[0].seats, amount: BigInt(rows[0].amount) }
    },

    /** The seat ids of each of these bookings that holds any, in seat order (a booking list, the reset's archive). */
    async seatsOfBookings(bookingIds: number[]): Promise<Array<{ bookingId: number; seatIds: number[] }>> {
      if (bookingIds.length === 0) return []
      const { rows } = await db.query<{ bookingId: number; seatIds: number[] }>(
        `SELECT booking_id AS "bookingId", array_agg(seat_id ORDER BY seat_id) AS "seatIds" FROM seat_claim
         WHERE booking_id = ANY($1::bigint[]) GROUP BY booking_id`,
        [bookingIds],
      )
      return rows
    },

    /**
     * The event's seats that have a provider place, each with its claim if any: its status and booking (null for a
     * seat taken outside Biletter). For the reconciliation with the provider.
     */
    async placesOfEvent(eventId: number): Promise<EventPlace[]> {
      const { rows } = await db.query<EventPlace>(
        `SELECT s.id AS "seatId", s.external_id AS "placeId", c.status AS "claimStatus", c.booking_id AS "bookingId",
           (c.seat_id IS NOT NULL) AS claimed
         FROM seat s LEFT JOIN seat_claim c ON c.seat_id = s.id
         WHERE s.event_id = $1 AND s.external_id IS NOT NULL`,
        [eventId],
      )
      return rows
    },

    /** The event's seats in its hall, SOLD and RESERVED, and the revenue of SOLD seats in tiyn. */
    async salesOf(eventId: number): Promise<SeatSales> {
      const { rows } = await db.query<Omit<SeatSales, 'revenue'> & { revenue: number }>(
        `SELECT
           (SELECT rows * seats_per_row FROM hall WHERE event_id = $1) AS "totalSeats",
           count(*) FILTER (WHERE status = 'SOLD')::int AS "soldSeats",
           count(*) FILTER (WHERE status = 'RESERVED')::int AS "reservedSeats",
           COALESCE(sum(price) FILTER (WHERE status = 'SOLD'), 0)::bigint AS revenue
         FROM seat_claim WHERE event_id = $1`,
        [eventId],
      )
      return { ...rows[0], revenue: BigInt(rows[0].revenue) }
    },

    /** The booking's seats with their provider place ids (null until the places are loaded). */
    async placesOfBooking(bookingId: number): Promise<Array<{ seatId: number; placeId: string | null }>> {
      const { rows } = await db.query<{ seatId: number; placeId: string | null }>(
        `SELECT c.seat_id AS "seatId", s.external_id AS "placeId" FROM seat_claim c JOIN seat s ON s.id = c.seat_id
         WHERE c.booking_id = $1 ORDER BY c.seat_id`,
        [bookingId],
      )
      return rows
    },

    /**
     * Applies one page of the provider's places to the event's materialised hall: records each seat's place id, and
     * makes the local "taken outside Biletter" claims (claims without a booking) match the provider: a place that is
     * not free there and not held here is taken; one that is free there is free here. Places in `inFlight` (those of
     * our own orders the provider is still moving) are not taken.
     */
    async applyPlaces(page: PlacePage, inFlight: string[]) {
      const { rows } = await db.query<{ taken: number; freed: number; mapped: number }>(
        `WITH page AS (
           SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::boolean[]) AS p(seat_id, place_id, is_free)),
         seats AS (
           UPDATE seat SET external_id = p.place_id FROM page p
           WHERE seat.id = p.seat_id AND seat.external_id IS DISTINCT FROM p.place_id RETURNING seat.id),
         freed AS (
           DELETE FROM seat_claim c USING page p
           WHERE c.seat_id = p.seat_id AND c.booking_id IS NULL AND p.is_free RETURNING c.seat_id),
         taken AS (
           INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
           SELECT p.seat_id, s.event_id, NULL, 'SOLD', s.price FROM page p JOIN seat s ON s.id = p.seat_id
           WHERE NOT p.is_free AND p.place_id <> ALL($4::uuid[])
           ON CONFLICT (seat_id) DO NOTHING RETURNING seat_id)
         SELECT (SELECT count(*)::int FROM taken) AS taken, (SELECT count(*)::int FROM freed) AS freed,
           (SELECT count(*)::int FROM seats) AS mapped`,
        [page.seatIds, page.placeIds, page.free, inFlight],
      )
      return rows[0]
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
