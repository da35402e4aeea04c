import { randomBytes } from 'node:crypto'
import type { Clock, Queryable } from '@kokdala/core'
import { type ArchivedBooking, createPaymentRepository, type PaymentRow } from './repository.ts'
import { type PaymentEvent, type PaymentStatus, paymentStates } from './state.ts'

export type { ArchivedBooking, ArchivedPayment, PaymentRow } from './repository.ts'

const TWO_POW_52 = 2n ** 52n

/**
 * A payment's public order number, the orderId of the buyer's return URLs: uniform in [2^52, 2^53), so it stays an
 * int64 exact in JavaScript, cannot be guessed (52 random bits) and reveals nothing about how many payments exist.
 */
function publicOrderNumber(): number {
  return Number(TWO_POW_52 + (randomBytes(8).readBigUInt64BE(0) >> 12n))
}

/** A payment is born INITIATED (the `[*] --> INITIATED` of its diagram). */
const INITIAL_STATUS: PaymentStatus = 'INITIATED'

/**
 * The payments module's records: our side of every payment, its archive and the gateway's daily ledger. Other
 * modules change a payment only through here, and every status change goes through the payment transition table.
 * `in(tx)` gives the same records inside a caller's transaction (a booking and its payment change together).
 */
export function createPaymentRecords({ db, clock }: { db: Queryable; clock: Clock }) {
  const repository = createPaymentRepository(db)

  return {
    in: (tx: Queryable) => createPaymentRecords({ db: tx, clock }),

    ofBooking: repository.ofBooking,
    find: repository.find,
    findByGatewayId: repository.findByGatewayId,
    unpaidOf: repository.unpaidOf,
    authorizedBookings: repository.authorizedBookings,
    bookingsKnownToGateway: repository.bookingsKnownToGateway,

    /** Opens the booking's payment under a fresh public order number (a taken one, 1 in 2^52, is drawn again). */
    async open(input: { bookingId: number; amount: bigint; gateway: string }): Promise<PaymentRow> {
      const orderSuffix = randomBytes(5).toString('hex')
      const now = clock.now()
      for (;;) {
        const id = publicOrderNumber()
        const inserted = await repository.insert({ ...input, id, status: INITIAL_STATUS, now, orderSuffix })
        if (inserted) return inserted
      }
    },

    /** Moves one payment by `event`; the caller has checked that the move applies, so an illegal one is a bug. */
    async move(payment: Pick<PaymentRow, 'id' | 'status'>, event: PaymentEvent): Promise<PaymentStatus> {
      const to = paymentStates.expect(payment.status, event)
      await repository.setStatus(payment.id, to, clock.now())
      return to
    },

    /** Moves the payments of these bookings that are in `from` by `event`; returns the bookings whose payment moved. */
    moveOfBookings(bookingIds: number[], from: PaymentStatus, event: PaymentEvent): Promise<number[]> {
      return repository.setStatusOfBookings(bookingIds, from, paymentStates.expect(from, event), clock.now())
    },

    /** Undoes `open` after the gateway refused the init: the payment is gone, as if it never started. */
    withdrawUnsent: (paymentId: number) => repository.deleteUnsent(paymentId),

    /** The gateway accepted the init: its payment id and page, and the amount counted in today's ledger. */
    async recordGatewayInit(payment: PaymentRow, gatewayPaymentId: string, paymentUrl: string): Promise<void> {
      const now = clock.now()
      await repository.setGatewayRef(payment.id, gatewayPaymentId, paymentUrl, now)
      // The gateway counted this amount towards today's limit; so does our ledger, which outlives resets.
      await repository.recordGatewayInitiation(payment.gatewayOrderId, payment.amount, now)
    },

    /**
     * What is left today of the gateway team's daily limit by our own ledger (0 when used up), and what was
     * initiated; undefined without a limit. The gateway's day is the UTC day.
     */
    async gatewayBudget(limit: bigint): Promise<{ initiated: bigint; remaining?: bigint }> {
      const now = clock.now()
      const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
      const initiated = await repository.gatewayInitiatedSince(dayStart)
      const remaining = limit > 0n ? (limit > initiated ? limit - initiated : 0n) : undefined
      return { initiated, remaining }
    },

    archivedOfBooking: repository.archivedOfBooking,

    /** Records what the saga did with an archived payment's money (void → CANCELLED, refund → REFUNDED). */
    async settleArchived(payment: { id: number; status: PaymentStatus }, event: 'cancel' | 'refunded') {
      const to = paymentStates.target(event)
      // A void of a payment already CANCELLED (its booking was cancelled before the reset) is a retry, not a move.
      if (payment.status !== to) paymentStates.expect(payment.status, event)
      await repository.setArchivedStatus(payment.id, to)
    },

    /**
     * Reset, before the tables are emptied: archives every payment the gateway knew of (`bookingsKnownToGateway`)
     * with its booking as `bookings` describes it. Returns how many, and the bookings whose money is still to be
     * settled by their sagas.
     */
    archiveAll: (bookings: ArchivedBooking[]) => repository.archiveAll(clock.now(), bookings),

    /** Reset: empties `payment` (the archive and the daily ledger stay). */
    removeAll: repository.removeAll,
  }
}

export type PaymentRecords = ReturnType<typeof createPaymentRecords>
