import {
  clearIdempotencyKeys,
  clearJobs,
  type Database,
  exclusiveTransaction,
  type Queryable,
  rearmPending,
} from '@kokdala/core'
import { FULFIL_JOB, requestFulfilment } from '../bookings/jobs.ts'
import type { BookingRecords } from '../bookings/records.ts'
import type { BookingService } from '../bookings/service.ts'
import type { ArchivedBooking, PaymentRecords } from '../payments/records.ts'
import type { ProviderOrders } from '../provider/orders.ts'
import type { PlaceLoadReport, PlaceSync } from '../provider/places.ts'
import type { SeatClaims } from '../seats/claims.ts'

export interface ResetResult {
  /** Payments the gateway knew of, copied to payment_archive before the tables were emptied. */
  archivedPayments: number
  /** The check of event 1's places against the provider that the reset started (it does not wait for it). */
  reload?: Promise<PlaceLoadReport | undefined>
}

/**
 * The tables a reset empties. Emptying one takes an ACCESS EXCLUSIVE lock; taken midway, after the reset has read
 * others, that lock request deadlocked with writers (a cancel holding seat_claim and asking for booking).
 */
const RESET_TABLES = ['booking', 'idempotency_key', 'job', 'payment', 'seat_claim']

/**
 * Restores the initial sale state: no bookings or payments, every seat FREE. Because a seat is FREE exactly when it
 * has no claim, this is mostly a TRUNCATE, which takes milliseconds even for the stadium. Sequences are not restarted,
 * so booking and payment ids are never reused, and every payment the gateway knew of is archived, never dropped; the
 * test-mode gateway's own records stay, as a real gateway's would.
 *
 * The Event Provider has no reset: orders we left open there are handed back to their sagas (which cancel them),
 * and the places of orders it confirmed stay taken here, outside any booking. That is what a reload of the
 * provider's 100 pages would find too, so the reset answers at once and the reload runs after it, in the
 * background, only to catch what changed at the provider without us.
 */
export interface ResetDeps {
  db: Database
  bookings: BookingService
  /** What the payment archive copies of each booking. */
  bookingRecords: BookingRecords
  claims: SeatClaims
  payments: PaymentRecords
  orders: ProviderOrders
  places?: PlaceSync
}

export function createResetService(deps: ResetDeps) {
  const { db, places } = deps

  /**
   * The bookings of the payments the gateway knows of, as their owners tell them: owner, event and status from the
   * bookings module, seats from the seats module. Read under the reset's table locks, so they and the payments
   * are one consistent picture.
   */
  async function archivedBookings(tx: Queryable, payments: PaymentRecords): Promise<ArchivedBooking[]> {
    const bookingIds = await payments.bookingsKnownToGateway()
    const bookings = await deps.bookingRecords.in(tx).snapshotsOf(bookingIds)
    const seats = await deps.claims.in(tx).seatsOfBookings(bookingIds)
    return bookings.map((booking) => ({ ...booking, seatIds: seats.get(booking.id) ?? [] }))
  }

  return {
    async reset(): Promise<ResetResult> {
      // Every table the reset empties is locked before anything is read: see exclusiveTransaction.
      const archivedPayments = await exclusiveTransaction(db, RESET_TABLES, async (tx) => {
        // Each module empties its own tables (docs/adr/0005-one-owner-per-table.md), in this order: payments are
        // archived while their bookings and seats still exist.
        const payments = deps.payments.in(tx)
        const orders = deps.orders.in(tx)
        const claims = deps.claims.in(tx)
        const { archived, unsettled } = await payments.archiveAll(await archivedBookings(tx, payments))
        await claims.resetClaims(places ? await orders.mayBeConfirmedBookings() : [])
        await payments.removeAll()
        await deps.bookings.removeAll(tx)
        // Stored answers name bookings that are gone now: a key used again starts afresh.
        await clearIdempotencyKeys(tx)
        // Pending jobs are sagas on their way, some running right now: dropping one would orphan what it is doing
        // at the provider (an order being created) and let a second run start beside it. They stay, and each runs
        // once more after its current run, finding its booking gone: an order it left open is cancelled.
        await clearJobs(tx, { kinds: [FULFIL_JOB] })
        await rearmPending(tx, FULFIL_JOB)
        for (const bookingId of await orders.openOrderBookings()) await requestFulfilment(tx, bookingId)
        // Money the gateway may still hold or owe for an archived payment is settled by the booking's saga.
        for (const bookingId of unsettled) await requestFulfilment(tx, bookingId)
        return archived
      })
      return { archivedPayments, reload: places?.reload() }
    },
  }
}

export type ResetService = ReturnType<typeof createResetService>
