import type { Queryable } from '@kokdala/core'
import { type ClaimStatus, createSeatRepository, type PlacePage } from './repository.ts'
import { type SeatEvent, seatStates } from './state.ts'

export type { EventPlace, PlacePage } from './repository.ts'

/** The claim statuses (`seat_claim.status`) a move of booking claims leaves from, read from the seat table. */
function claimSources(event: SeatEvent): ClaimStatus[] {
  return seatStates.sources(event).filter((state): state is ClaimStatus => state === 'RESERVED' || state === 'SOLD')
}

/**
 * The seats module's inventory moves, for the modules whose changes carry seats with them (a booking cancelled,
 * sold, refunded; a provider order confirmed or cancelled; a reset). Every `seat_claim` write outside the select and
 * release functions comes through here, and each asks the seat transition table which claims it may move and where
 * they end. `in(tx)` gives the same moves inside a caller's transaction.
 */
export function createSeatClaims(db: Queryable) {
  const repository = createSeatRepository(db)

  function moveOfBookings(bookingIds: number[], event: 'free' | 'sell' | 'detach'): Promise<number> {
    const to = seatStates.target(event)
    if (to === 'RESERVED') throw new Error(`seat: ${event} cannot reserve seats of bookings`)
    return repository.moveClaimsOfBookings(bookingIds, claimSources(event), to)
  }

  return {
    in: (tx: Queryable) => createSeatClaims(tx),

    priceOfBooking: repository.priceOfBooking,
    placesOfBooking: repository.placesOfBooking,
    placesOfEvent: repository.placesOfEvent,

    /** The seat ids each of these bookings holds, in seat order; a booking without seats is absent. */
    async seatsOfBookings(bookingIds: number[]): Promise<Map<number, number[]>> {
      const rows = await repository.seatsOfBookings(bookingIds)
      return new Map(rows.map((row) => [row.bookingId, row.seatIds]))
    },

    /** The bookings' seats are FREE again (cancel, expiry, failed payment, saga gave up, refund of a local event). */
    freeOfBookings: (bookingIds: number[]) => moveOfBookings(bookingIds, 'free'),
    /** The sale is complete: the booking's seats are SOLD. */
    sellOfBooking: (bookingId: number) => moveOfBookings([bookingId], 'sell'),
    /**
     * The booking's seats stay taken outside Biletter: the Event Provider holds them in an order that is, or may be,
     * CONFIRMED and never gives them back, so they must not be sold again.
     */
    detachOfBooking: (bookingId: number) => moveOfBookings([bookingId], 'detach'),

    /** FREE seats are taken outside Biletter (a provider order turned out CONFIRMED after its booking was gone). */
    async takeOutside(seatIds: number[]): Promise<void> {
      seatStates.expect('FREE', 'takeOutside')
      await repository.takeOutside(seatIds)
    },

    /** Seats taken outside Biletter are FREE again (the provider cancelled the order after all). */
    async freeOutside(seatIds: number[]): Promise<void> {
      seatStates.expect('OUTSIDE', 'freeOutside')
      await repository.freeOutside(seatIds)
    },

    /** One page of the provider's places: FREE ↔ OUTSIDE as the provider says, except places in flight. */
    async applyProviderPlaces(page: PlacePage, inFlight: string[]) {
      seatStates.expect('FREE', 'takeOutside')
      seatStates.expect('OUTSIDE', 'freeOutside')
      return repository.applyPlaces(page, inFlight)
    },

    /**
     * Reset: every seat held by a booking is FREE again, except those of `keptOutsideBookings`, whose seats the Event
     * Provider keeps for good: they stay taken outside Biletter. Seats already taken outside stay taken.
     */
    async resetClaims(keptOutsideBookings: number[]): Promise<void> {
      await moveOfBookings(keptOutsideBookings, 'detach')
      seatStates.expect('RESERVED', 'free')
      seatStates.expect('SOLD', 'free')
      await repository.freeAllOfBookings()
    },
  }
}

export type SeatClaims = ReturnType<typeof createSeatClaims>
