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
  /** When the select was last sent without being refused. */
  selectedAt: Date
  /** 'selected' once the provider accepted it; 'sent' while its answer is unknown; 'contested' after a refused resend. */
  state: SelectionState
}

export type SelectionState = 'sent' | 'contested' | 'selected'

/** A seat whose select is about to be sent, with its provider place. */
export interface SentPlace {
  seatId: number
  placeId: string
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

    /** Written before the confirm is sent: from here on the order may be CONFIRMED, whatever we heard back. */
    async recordConfirmSent(bookingId: number, at: Date): Promise<void> {
      await db.query('UPDATE provider_order SET confirm_sent_at = $2 WHERE booking_id = $1', [bookingId, at])
    },

    /** Whether the booking's order is, or may be, CONFIRMED: its places may never come back. */
    async mayBeConfirmed(bookingId: number): Promise<boolean> {
      const { rows } = await db.query(
        `SELECT 1 FROM provider_order WHERE booking_id = $1 AND (status = 'CONFIRMED' OR confirm_sent_at IS NOT NULL)
           AND status <> 'CANCELLED'`,
        [bookingId],
      )
      return rows.length > 0
    },

    async setOrderStatus(bookingId: number, status: ProviderOrderStatus): Promise<void> {
      await db.query('UPDATE provider_order SET status = $2, updated_at = now() WHERE booking_id = $1', [
        bookingId,
        status,
      ])
    },

    async selections(bookingId: number): Promise<Selection[]> {
      const { rows } = await db.query<Selection>(
        `SELECT seat_id AS "seatId", place_id AS "placeId", selected_at AS "selectedAt", state
         FROM provider_selection WHERE booking_id = $1 ORDER BY seat_id`,
        [bookingId],
      )
      return rows
    },

    /** Writes selects down before they are sent ('sent': an answer may be lost); a resend moves its time on. */
    async recordSelectsSent(bookingId: number, places: SentPlace[], at: Date): Promise<void> {
      if (places.length === 0) return
      await db.query(
        `INSERT INTO provider_selection (booking_id, seat_id, place_id, selected_at, state)
         SELECT $1, p.seat_id, p.place_id, $4, 'sent' FROM unnest($2::bigint[], $3::uuid[]) AS p(seat_id, place_id)
         ON CONFLICT (booking_id, seat_id) DO UPDATE SET selected_at = EXCLUDED.selected_at
         WHERE provider_selection.state = 'sent'`,
        [bookingId, places.map((p) => p.seatId), places.map((p) => p.placeId), at],
      )
    },

    /**
     * Sets the state of these selections. `sentAt` puts back the time of the last send that may have been applied
     * (a refused resend was not).
     */
    async setSelectionState(bookingId: number, seatIds: number[], state: SelectionState, sentAt?: Date) {
      if (seatIds.length === 0) return
      await db.query(
        `UPDATE provider_selection SET state = $3, selected_at = COALESCE($4, selected_at)
         WHERE booking_id = $1 AND seat_id = ANY($2::bigint[])`,
        [bookingId, seatIds, state, sentAt ?? null],
      )
    },

    async removeSelections(bookingId: number, seatIds: number[]): Promise<void> {
      if (seatIds.length === 0) return
      await db.query('DELETE FROM provider_selection WHERE booking_id = $1 AND seat_id = ANY($2::bigint[])', [
        bookingId,
        seatIds,
      ])
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

    /**
     * Frees the booking's seats that were kept out of sale while its order might have been confirmed: the provider
     * has cancelled the order, so its places come back. Only claims outside any booking are touched.
     */
    async freeHeldOutside(bookingId: number): Promise<void> {
      await db.query(
        `DELETE FROM seat_claim c USING provider_selection p
         WHERE p.booking_id = $1 AND c.seat_id = p.seat_id AND c.booking_id IS NULL`,
        [bookingId],
      )
    },

    /** Bookings whose provider order is, or may be, CONFIRMED: the provider never gives their places back. */
    async mayBeConfirmedBookings(): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `SELECT booking_id AS id FROM provider_order
         WHERE status = 'CONFIRMED' OR (confirm_sent_at IS NOT NULL AND status <> 'CANCELLED')`,
      )
      return rows.map((row) => row.id)
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
     * here is taken; one that is free there is free here. Places in our own open orders are left alone (they are
     * ours), and so are those of an order cancelled within the last minute (the provider frees them asynchronously).
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
             WHERE s.place_id = p.place_id AND (o.status IN ('STARTED', 'SUBMITTED')
               -- Cancelled a moment ago: the provider frees the places asynchronously, soon.
               OR (o.status = 'CANCELLED' AND o.updated_at > now() - interval '1 minute')))
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
