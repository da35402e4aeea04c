import type { Queryable } from '@kokdala/core'
import type { ProviderOrderStatus } from './client.ts'

export interface LocalProviderOrder {
  bookingId: number
  orderId: string
  status: ProviderOrderStatus
}

export interface Selection {
  seatId: number
  placeId: string
  selectedAt: Date
}

/** A page of the provider's places, mapped to local seat ids. */
export interface PlacePage {
  seatIds: number[]
  placeIds: string[]
  free: boolean[]
}

/** The only place with SQL over provider orders, selections and the seat ↔ place mapping. */
export function createProviderRepository(db: Queryable) {
  return {
    async order(bookingId: number): Promise<LocalProviderOrder | undefined> {
      const { rows } = await db.query<LocalProviderOrder>(
        `SELECT booking_id AS "bookingId", order_id AS "orderId", status FROM provider_order WHERE booking_id = $1`,
        [bookingId],
      )
      return rows[0]
    },

    async insertOrder(bookingId: number, orderId: string): Promise<void> {
      await db.query(`INSERT INTO provider_order (booking_id, order_id, status) VALUES ($1, $2, 'STARTED')`, [
        bookingId,
        orderId,
      ])
    },

    async setOrderStatus(bookingId: number, status: ProviderOrderStatus): Promise<void> {
      await db.query('UPDATE provider_order SET status = $2, updated_at = now() WHERE booking_id = $1', [
        bookingId,
        status,
      ])
    },

    async selections(bookingId: number): Promise<Selection[]> {
      const { rows } = await db.query<Selection>(
        `SELECT seat_id AS "seatId", place_id AS "placeId", selected_at AS "selectedAt"
         FROM provider_selection WHERE booking_id = $1 ORDER BY seat_id`,
        [bookingId],
      )
      return rows
    },

    async addSelection(bookingId: number, seatId: number, placeId: string, at: Date): Promise<void> {
      await db.query(
        `INSERT INTO provider_selection (booking_id, seat_id, place_id, selected_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [bookingId, seatId, placeId, at],
      )
    },

    async removeSelection(bookingId: number, seatId: number): Promise<void> {
      await db.query('DELETE FROM provider_selection WHERE booking_id = $1 AND seat_id = $2', [bookingId, seatId])
    },

    /**
     * The places of a booking whose provider order turned out CONFIRMED after the booking was cancelled: the
     * provider will never free them, so they become "taken outside Biletter" here.
     */
    async holdOutside(bookingId: number): Promise<void> {
      await db.query(
        `INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
         SELECT s.id, s.event_id, NULL, 'SOLD', s.price FROM provider_selection p JOIN seat s ON s.id = p.seat_id
         WHERE p.booking_id = $1 ON CONFLICT (seat_id) DO NOTHING`,
        [bookingId],
      )
    },

    /** Bookings whose provider order is still open (reset re-arms their sagas so the orders get cancelled). */
    async openOrderBookings(): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `SELECT booking_id AS id FROM provider_order WHERE status IN ('STARTED', 'SUBMITTED') ORDER BY booking_id`,
      )
      return rows.map((row) => row.id)
    },

    /**
     * Applies one page of the provider's places to the event's materialised hall: records each seat's place id, and makes the local "taken outside
     * Biletter" claims (claims without a booking) match the provider: a place that is not free there and not held
     * here is taken; one that is free there is free here. Places held by our own open orders are left alone: they
     * are ours, on their way back after a cancel.
     */
    async applyPlaces(page: PlacePage) {
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
           WHERE NOT p.is_free AND NOT EXISTS (
             SELECT 1 FROM provider_selection s JOIN provider_order o USING (booking_id)
             WHERE s.place_id = p.place_id AND o.status IN ('STARTED', 'SUBMITTED'))
           ON CONFLICT (seat_id) DO NOTHING RETURNING seat_id)
         SELECT (SELECT count(*)::int FROM taken) AS taken, (SELECT count(*)::int FROM freed) AS freed,
           (SELECT count(*)::int FROM seats) AS mapped`,
        [page.seatIds, page.placeIds, page.free],
      )
      return rows[0]
    },

    /** The booking's seats with their provider place ids (null until the places are loaded). */
    async bookingPlaces(bookingId: number): Promise<Array<{ seatId: number; placeId: string | null }>> {
      const { rows } = await db.query<{ seatId: number; placeId: string | null }>(
        `SELECT c.seat_id AS "seatId", s.external_id AS "placeId" FROM seat_claim c JOIN seat s ON s.id = c.seat_id
         WHERE c.booking_id = $1 ORDER BY c.seat_id`,
        [bookingId],
      )
      return rows
    },
  }
}

export type ProviderRepository = ReturnType<typeof createProviderRepository>
