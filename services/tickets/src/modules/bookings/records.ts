import type { Queryable } from '@kokdala/core'
import { type BookingSnapshot, createBookingRepository } from './repository.ts'
import type { BookingStatus } from './state.ts'

export type { BookingSnapshot } from './repository.ts'

/**
 * What other modules may read of bookings (docs/adr/0005-one-owner-per-table.md): they ask here instead of joining
 * `booking`. Every answer takes or gives ids, one statement for a whole set. `in(tx)` gives the same answers inside a
 * caller's transaction (the reset's archive reads bookings under the reset's table locks).
 */
export function createBookingRecords(db: Queryable) {
  const repository = createBookingRepository(db)

  return {
    in: (tx: Queryable) => createBookingRecords(tx),

    /** The status of each of these bookings that exists. */
    async statusesOf(ids: number[]): Promise<Map<number, BookingStatus>> {
      const rows = await repository.statusesOf(ids)
      return new Map(rows.map((row) => [row.id, row.status]))
    },

    /** Owner, event and status of each of these bookings that exists. */
    snapshotsOf: (ids: number[]): Promise<BookingSnapshot[]> => repository.snapshotsOf(ids),

    /** How many of the event's bookings are not cancelled (its analytics). */
    countOfEvent: (eventId: number): Promise<number> => repository.countOfEvent(eventId),
  }
}

export type BookingRecords = ReturnType<typeof createBookingRecords>
