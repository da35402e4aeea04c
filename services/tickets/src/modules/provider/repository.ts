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

/** The only place with SQL over `provider_order` and `provider_selection`: the provider module's tables. */
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

    /** The seats of every select sent into the booking's order (whatever became of it). */
    async selectedSeats(bookingId: number): Promise<number[]> {
      const { rows } = await db.query<{ seatId: number }>(
        'SELECT seat_id AS "seatId" FROM provider_selection WHERE booking_id = $1 ORDER BY seat_id',
        [bookingId],
      )
      return rows.map((row) => row.seatId)
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
     * Of these places, those in our own open orders (they are ours, whatever the provider lists), and those of an
     * order cancelled within the last minute (the provider frees the places asynchronously, soon).
     */
    async placesInFlight(placeIds: string[]): Promise<string[]> {
      const { rows } = await db.query<{ placeId: string }>(
        `SELECT DISTINCT s.place_id AS "placeId" FROM provider_selection s JOIN provider_order o USING (booking_id)
         WHERE s.place_id = ANY($1::uuid[]) AND (o.status IN ('STARTED', 'SUBMITTED')
           OR (o.status = 'CANCELLED' AND o.updated_at > now() - interval '1 minute'))`,
        [placeIds],
      )
      return rows.map((row) => row.placeId)
    },

    /** The places of our open provider orders (STARTED or SUBMITTED): whatever the provider lists, they are ours. */
    async placesInOpenOrders(): Promise<string[]> {
      const { rows } = await db.query<{ placeId: string }>(
        `SELECT DISTINCT s.place_id AS "placeId" FROM provider_selection s JOIN provider_order o USING (booking_id)
         WHERE o.status IN ('STARTED', 'SUBMITTED')`,
      )
      return rows.map((row) => row.placeId)
    },

    /** Every provider order we created, by booking. */
    async orders(): Promise<LocalProviderOrder[]> {
      const { rows } = await db.query<LocalProviderOrder>(
        `SELECT booking_id AS "bookingId", order_id AS "orderId", status FROM provider_order ORDER BY booking_id`,
      )
      return rows
    },
  }
}

export type ProviderRepository = ReturnType<typeof createProviderRepository>
