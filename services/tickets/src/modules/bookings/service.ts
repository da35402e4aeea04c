import { randomBytes } from 'node:crypto'
import { AppError, type Clock, type Database, lockKey, lockUntilCommit, type Queryable } from '@kokdala/core'
import { TicketsError, type TicketsErrorCode } from '../../errors.ts'
import type { EventService } from '../events/service.ts'
import type { GatewayPaymentStatus, PaymentGateway } from '../payments/gateway.ts'
import type { SeatService } from '../seats/service.ts'
import { requestFulfilment } from './jobs.ts'
import { type BookingListItem, type BookingRow, createBookingRepository, type PaymentRow } from './repository.ts'
import { type BookingEvent, transition } from './state.ts'

export interface BookingServiceDeps {
  db: Database
  clock: Clock
  events: EventService
  seats: SeatService
  gateway: PaymentGateway
  /** Base URL the gateway sends the buyer back to (success/fail callbacks). */
  publicUrl: string
  reservationTimeoutMs: number
  maxOpenBookingsPerUser: number
  refundCutoffHours: number
  /** Whether the event's seats live at the Event Provider (their refunds cannot give seats back). */
  providerBacked: (eventId: number) => boolean
  /** Open unpaid payment starts one user may have, by count and by sum in tiyn (see config). */
  maxUnpaidPaymentsPerUser: number
  maxUnpaidAmountPerUser: number
}

/** Kazakhstan keeps one time zone, UTC+5; event times in the data set are local. */
const LOCAL_OFFSET = '+05:00'

const TWO_POW_52 = 2n ** 52n

/**
 * A payment's public order number, the orderId of the buyer's return URLs: uniform in [2^52, 2^53), so it stays an
 * int64 exact in JavaScript, cannot be guessed (52 random bits) and reveals nothing about how many payments exist.
 */
function publicOrderNumber(): number {
  return Number(TWO_POW_52 + (randomBytes(8).readBigUInt64BE(0) >> 12n))
}

/** The gateway refused for good; the initiation is undone so the buyer can change the booking or come back later. */
function refusedForGood(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'PAYMENT_REJECTED' || error.code === 'GATEWAY_DAILY_LIMIT')
}

/**
 * The booking lifecycle. Every transition runs in one transaction that locks the booking, checks
 * ownership before state, applies `transition()`, and moves the seats with it. Calls to the outside (gateway,
 * provider) never happen inside a transaction: a transition asks the booking's saga (`fulfilment.ts`) to follow it,
 * through a keyed job written in the same transaction. Only the gateway's init is called directly, because the
 * buyer needs its page now.
 */
export function createBookingService(deps: BookingServiceDeps) {
  const { db, clock } = deps
  const repository = createBookingRepository(db)

  async function lockOwned(tx: ReturnType<typeof createBookingRepository>, userId: number, bookingId: number) {
    const booking = await tx.lock(bookingId)
    if (!booking) throw new TicketsError('BOOKING_NOT_FOUND', `Booking ${bookingId} does not exist`)
    if (booking.userId !== userId) throw new TicketsError('BOOKING_FORBIDDEN')
    return booking
  }

  function next(booking: BookingRow, event: BookingEvent, error: TicketsErrorCode) {
    const status = transition(booking.status, event)
    if (!status) throw new TicketsError(error, undefined, { booking_id: booking.id, status: booking.status })
    return status
  }

  return {
    /**
     * Creates an empty booking. `inTransaction` runs in the creating transaction after the insert, so what it
     * writes (the route's Idempotency-Key answer) commits exactly when the booking does; if it throws, there is no
     * booking. Replays of a keyed create never get here (the Idempotency-Key plugin answers them), so a replay
     * returns its booking even when the user is at the open-bookings limit by now.
     */
    async create(
      userId: number,
      eventId: number,
      { inTransaction }: { inTransaction?: (tx: Queryable, bookingId: number) => Promise<void> } = {},
    ): Promise<number> {
      await deps.seats.ensureHall(eventId)
      const now = clock.now()
      return db.transaction(async (tx) => {
        // One user's creates are serialised so the open-bookings limit is exact.
        await lockUntilCommit(tx, lockKey('userBookings', userId))
        const bookings = createBookingRepository(tx)
        if ((await bookings.countOpen(userId)) >= deps.maxOpenBookingsPerUser) {
          throw new TicketsError('TOO_MANY_OPEN_BOOKINGS', undefined, { limit: deps.maxOpenBookingsPerUser })
        }
        const expiresAt = new Date(now.getTime() + deps.reservationTimeoutMs)
        const id = await bookings.insert({ userId, eventId, now, expiresAt })
        await inTransaction?.(tx, id)
        return id
      })
    },

    list(userId: number): Promise<BookingListItem[]> {
      return repository.listForUser(userId)
    },

    /**
     * Moves the booking to PAYMENT_INITIATED and returns the gateway's payment page; repeats return the same page.
     * A user may have only a few unpaid starts open at once: the gateway counts every started amount against the
     * team's daily limit, so starts nobody pays must not be able to use it up for everyone else.
     */
    async initiatePayment(userId: number, bookingId: number): Promise<string> {
      const now = clock.now()
      const payment = await db.transaction(async (tx): Promise<PaymentRow> => {
        // The user's lock first (as create takes it), so two initiations of one user count each other's payments.
        await lockUntilCommit(tx, lockKey('userBookings', userId))
        const bookings = createBookingRepository(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'PAYMENT_INITIATED') return (await bookings.paymentOfBooking(bookingId))!
        const status = next(booking, 'initiatePayment', 'BOOKING_NOT_PAYABLE')
        if (booking.seatCount === 0) throw new TicketsError('BOOKING_EMPTY')
        const amount = await bookings.totalPrice(bookingId)
        const unpaid = await bookings.unpaidOfUser(userId)
        if (unpaid.count + 1 > deps.maxUnpaidPaymentsPerUser || unpaid.amount + amount > deps.maxUnpaidAmountPerUser) {
          throw new TicketsError('TOO_MANY_UNPAID_PAYMENTS', undefined, {
            unpaid_payments: unpaid.count,
            unpaid_amount: (unpaid.amount / 100).toFixed(2),
            max_unpaid_payments: deps.maxUnpaidPaymentsPerUser,
            max_unpaid_amount: (deps.maxUnpaidAmountPerUser / 100).toFixed(2),
          })
        }
        // The payer gets a fresh reservation window to complete the payment.
        await bookings.setStatus(bookingId, status, now, {
          expiresAt: new Date(now.getTime() + deps.reservationTimeoutMs),
        })
        const orderSuffix = randomBytes(5).toString('hex')
        for (;;) {
          const input = { id: publicOrderNumber(), bookingId, amount, gateway: deps.gateway.name, now, orderSuffix }
          // A taken number (one chance in 2^52 per existing payment) is drawn again.
          const inserted = await bookings.insertPayment(input)
          if (inserted) return inserted
        }
      })
      if (payment.paymentUrl) return payment.paymentUrl
      let created: { paymentId: string; paymentUrl: string }
      try {
        created = await deps.gateway.createPayment({
          orderId: payment.gatewayOrderId,
          amount: BigInt(payment.amount),
          description: `Biletter booking ${bookingId}`,
          successUrl: `${deps.publicUrl}/api/payments/success?orderId=${payment.id}`,
          failUrl: `${deps.publicUrl}/api/payments/fail?orderId=${payment.id}`,
          expiresInMinutes: Math.max(1, Math.ceil(deps.reservationTimeoutMs / 60_000)),
        })
      } catch (error) {
        // Refused for good (the payment's own limits, or the team's daily limit until 00:00 UTC): the booking is
        // editable again, so fewer seats may fit, and it is not left waiting in PAYMENT_INITIATED for nothing.
        if (refusedForGood(error)) {
          await db.transaction((tx) =>
            createBookingRepository(tx).undoPaymentInitiation(bookingId, payment.id, clock.now()),
          )
          throw error
        }
        if (error instanceof AppError) throw error
        // The booking stays PAYMENT_INITIATED; a retry asks the gateway again with the same orderId.
        throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
      }
      await db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        await bookings.setPaymentGatewayRef(payment.id, created.paymentId, created.paymentUrl, clock.now())
        // The gateway counted this amount towards today's limit; so does our ledger, which outlives resets.
        await bookings.recordGatewayInitiation(payment.gatewayOrderId, payment.amount, clock.now())
        // The provider leg starts now, while the buyer is on the payment page.
        await requestFulfilment(tx, bookingId)
      })
      return created.paymentUrl
    },

    /**
     * What is left today of the gateway team's daily limit by our own ledger (0 when used up), and what was
     * initiated; undefined without a limit. The gateway's day is the UTC day.
     */
    async gatewayBudget(limit: number): Promise<{ initiated: number; remaining?: number }> {
      const now = clock.now()
      const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
      const initiated = await repository.gatewayInitiatedSince(dayStart)
      return { initiated, remaining: limit > 0 ? Math.max(0, limit - initiated) : undefined }
    },

    /** Cancels a booking and frees its seats; a paid booking is refunded while the refund window is open. */
    async cancel(userId: number, bookingId: number): Promise<void> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'CANCELLED') return
        const payment = await bookings.paymentOfBooking(bookingId)
        if (payment?.status === 'AUTHORIZED') {
          throw new TicketsError('PAYMENT_IN_PROGRESS', undefined, { booking_id: bookingId })
        }
        if (booking.status === 'CONFIRMED') {
          const startsAt = new Date(`${booking.eventStartsAt}${LOCAL_OFFSET}`).getTime()
          if (startsAt - now.getTime() < deps.refundCutoffHours * 3_600_000) {
            throw new TicketsError('REFUND_WINDOW_CLOSED', undefined, { event_starts_at: booking.eventStartsAt })
          }
          await bookings.setStatus(bookingId, next(booking, 'refund', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'REFUNDED',
          })
          if (payment) await bookings.setPaymentStatus(payment.id, 'REFUND_PENDING', now)
          // The provider never cancels a confirmed order: those seats stay taken, outside any booking.
          if (deps.providerBacked(booking.eventId)) await bookings.detachSeats(bookingId)
          else await bookings.freeSeats(bookingId)
        } else {
          await bookings.setStatus(bookingId, next(booking, 'cancel', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'CANCELLED_BY_USER',
          })
          if (payment?.status === 'INITIATED') await bookings.setPaymentStatus(payment.id, 'CANCELLED', now)
          await bookings.freeSeats(bookingId)
        }
        if (payment) await requestFulfilment(tx, bookingId)
      })
    },

    /**
     * Records what the gateway says about a payment. Exactly one transition happens however many callbacks and
     * webhooks arrive, in whatever order: money held (AUTHORIZED, or PAID by a gateway without capture) hands the
     * booking to its saga, which secures the tickets and then captures; a failure cancels the booking and frees its
     * seats; money that arrives for a booking cancelled meanwhile is voided or refunded by the saga.
     */
    async recordGatewayStatus(paymentId: number, status: GatewayPaymentStatus): Promise<BookingRow['status']> {
      const now = clock.now()
      return db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const payment = await bookings.findPayment(paymentId)
        if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND')
        const booking = (await bookings.lock(payment.bookingId))!
        const moneyHeld = status === 'AUTHORIZED' || status === 'PAID'
        const open = booking.status === 'PAYMENT_INITIATED' && payment.status === 'INITIATED'
        if (moneyHeld && open) {
          await bookings.setPaymentStatus(payment.id, 'AUTHORIZED', now)
          await requestFulfilment(tx, booking.id)
        } else if ((status === 'FAILED' || status === 'CANCELLED') && open) {
          const cancelled = next(booking, 'paymentFailed', 'BOOKING_NOT_PAYABLE')
          await bookings.setStatus(booking.id, cancelled, now, { reason: 'PAYMENT_FAILED' })
          await bookings.freeSeats(booking.id)
          await bookings.setPaymentStatus(payment.id, 'FAILED', now)
          await requestFulfilment(tx, booking.id)
          return cancelled
        } else if (moneyHeld && booking.status === 'CANCELLED' && payment.status === 'CANCELLED') {
          // Money arrived for seats we no longer hold: the saga gives it back.
          if (status === 'PAID') await bookings.setPaymentStatus(payment.id, 'REFUND_PENDING', now)
          await requestFulfilment(tx, booking.id)
        }
        return booking.status
      })
    },

    /** The saga secured the tickets and took the money: the booking is CONFIRMED and its seats SOLD. */
    async completeSale(bookingId: number): Promise<void> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const booking = await bookings.lock(bookingId)
        const payment = await bookings.paymentOfBooking(bookingId)
        if (booking?.status !== 'PAYMENT_INITIATED' || payment?.status !== 'AUTHORIZED') return
        await bookings.setStatus(bookingId, next(booking, 'paymentSucceeded', 'BOOKING_NOT_PAYABLE'), now)
        await bookings.sellSeats(bookingId)
        await bookings.setPaymentStatus(payment.id, 'PAID', now)
      })
    },

    /**
     * The saga gave up (the provider could not be brought along within its retries, or the money will never come):
     * the booking ends CANCELLED with the reason and the saga runs once more to cancel the provider order and void
     * the held money. Its seats are FREE here, or, with `keepSeatsOut` (the provider may have confirmed the order,
     * and a confirmed order never gives its places back), taken outside Biletter until the provider says otherwise.
     * Returns whether the booking changed.
     */
    async abandon(bookingId: number, reason: string, { keepSeatsOut = false } = {}): Promise<boolean> {
      const now = clock.now()
      return db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const booking = await bookings.lock(bookingId)
        if (booking?.status !== 'PAYMENT_INITIATED') return false
        await bookings.setStatus(bookingId, next(booking, 'cancel', 'BOOKING_NOT_EDITABLE'), now, { reason })
        if (keepSeatsOut) await bookings.detachSeats(bookingId)
        else await bookings.freeSeats(bookingId)
        const payment = await bookings.paymentOfBooking(bookingId)
        if (payment?.status === 'INITIATED' || payment?.status === 'AUTHORIZED') {
          await bookings.setPaymentStatus(payment.id, 'CANCELLED', now)
        }
        await requestFulfilment(tx, bookingId)
        return true
      })
    },

    /** Cancels unpaid bookings whose reservation ran out; their seats are FREE again, their sagas clean up. */
    async expireDue(limit = 500): Promise<number> {
      return db.transaction(async (tx) => {
        const { bookings, paymentBookings } = await createBookingRepository(tx).expireDue(clock.now(), limit)
        for (const bookingId of paymentBookings) await requestFulfilment(tx, bookingId)
        return bookings
      })
    },

    /** Gives the booking's saga a fresh round of retries. */
    retryFulfilment: (bookingId: number) => requestFulfilment(db, bookingId),

    find: (bookingId: number) => repository.find(bookingId),
    statusOf: (bookingId: number) => repository.statusOf(bookingId),
    paymentOfBooking: (bookingId: number) => repository.paymentOfBooking(bookingId),
    /** The archived payment of a booking a reset removed (see `archivePayments`). */
    archivedPaymentOfBooking: (bookingId: number) => repository.archivedPaymentOfBooking(bookingId),
    setArchivedPaymentStatus: (id: number, status: PaymentRow['status']) =>
      repository.setArchivedPaymentStatus(id, status),
    findPayment: (id: number) => repository.findPayment(id),
    findPaymentByGatewayId: (id: string) => repository.findPaymentByGatewayId(id),
    setPaymentStatus: (id: number, status: PaymentRow['status']) =>
      repository.setPaymentStatus(id, status, clock.now()),
  }
}

export type BookingService = ReturnType<typeof createBookingService>
