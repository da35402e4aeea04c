import { AppError, type Clock, type Database, enqueue } from '@kokdala/core'
import type { EventService } from '../events/service.ts'
import type { PaymentGateway } from '../payments/gateway.ts'
import type { SeatService } from '../seats/service.ts'
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
}

/** Job kinds the bookings service enqueues; the worker runs them against the gateway outside any transaction. */
export const PAYMENT_CANCEL_JOB = 'payment.cancel'
export const PAYMENT_REFUND_JOB = 'payment.refund'

/** Kazakhstan keeps one time zone, UTC+5; event times in the data set are local. */
const LOCAL_OFFSET = '+05:00'

/**
 * The booking lifecycle. Every transition runs in one transaction that locks the booking, checks
 * ownership before state, applies `transition()`, and moves the seats with it; gateway calls happen outside
 * the transaction (never hold a lock across HTTP), either directly or through the job outbox.
 */
export function createBookingService(deps: BookingServiceDeps) {
  const { db, clock } = deps
  const repository = createBookingRepository(db)

  async function lockOwned(tx: ReturnType<typeof createBookingRepository>, userId: number, bookingId: number) {
    const booking = await tx.lock(bookingId)
    if (!booking) throw new AppError('BOOKING_NOT_FOUND', `Booking ${bookingId} does not exist`)
    if (booking.userId !== userId) throw new AppError('BOOKING_FORBIDDEN')
    return booking
  }

  function next(booking: BookingRow, event: BookingEvent, error: string) {
    const status = transition(booking.status, event)
    if (!status) throw new AppError(error, undefined, { booking_id: booking.id, status: booking.status })
    return status
  }

  return {
    async create(userId: number, eventId: number, idempotencyKey?: string): Promise<number> {
      await deps.seats.ensureHall(eventId)
      const now = clock.now()
      return db.transaction(async (tx) => {
        // One user's creates are serialised so the open-bookings limit is exact.
        await tx.query('SELECT pg_advisory_xact_lock(1, $1::int)', [userId % 2_147_483_647])
        const bookings = createBookingRepository(tx)
        // A replayed request gets its booking back, even when the user is at the limit by now.
        const replayed = idempotencyKey ? await bookings.findByIdempotencyKey(userId, idempotencyKey) : undefined
        if (replayed !== undefined) return replayed
        if ((await bookings.countOpen(userId)) >= deps.maxOpenBookingsPerUser) {
          throw new AppError('TOO_MANY_OPEN_BOOKINGS', undefined, { limit: deps.maxOpenBookingsPerUser })
        }
        const expiresAt = new Date(now.getTime() + deps.reservationTimeoutMs)
        return bookings.insert({ userId, eventId, now, expiresAt, idempotencyKey })
      })
    },

    list(userId: number): Promise<BookingListItem[]> {
      return repository.listForUser(userId)
    },

    /** Moves the booking to PAYMENT_INITIATED and returns the gateway's payment page; repeats return the same page. */
    async initiatePayment(userId: number, bookingId: number): Promise<string> {
      const now = clock.now()
      const payment = await db.transaction(async (tx): Promise<PaymentRow> => {
        const bookings = createBookingRepository(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'PAYMENT_INITIATED') return (await bookings.paymentOfBooking(bookingId))!
        const status = next(booking, 'initiatePayment', 'BOOKING_NOT_PAYABLE')
        if (booking.seatCount === 0) throw new AppError('BOOKING_EMPTY')
        const amount = await bookings.totalPrice(bookingId)
        // The payer gets a fresh reservation window to complete the payment.
        await bookings.setStatus(bookingId, status, now, {
          expiresAt: new Date(now.getTime() + deps.reservationTimeoutMs),
        })
        const id = await bookings.insertPayment({ bookingId, amount, gateway: deps.gateway.name, now })
        return { id, bookingId, amount, status: 'INITIATED', gatewayPaymentId: null, paymentUrl: null }
      })
      if (payment.paymentUrl) return payment.paymentUrl
      try {
        const created = await deps.gateway.createPayment({
          orderId: payment.id,
          amount: BigInt(payment.amount),
          description: `Biletter booking ${bookingId}`,
          successUrl: `${deps.publicUrl}/api/payments/success?orderId=${payment.id}`,
          failUrl: `${deps.publicUrl}/api/payments/fail?orderId=${payment.id}`,
        })
        await repository.setPaymentGatewayRef(payment.id, created.paymentId, created.paymentUrl, clock.now())
        return created.paymentUrl
      } catch (error) {
        if (error instanceof AppError) throw error
        // The booking stays PAYMENT_INITIATED; a retry asks the gateway again with the same orderId.
        throw new AppError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
      }
    },

    /** Cancels a booking and frees its seats; a paid booking is refunded while the refund window is open. */
    async cancel(userId: number, bookingId: number): Promise<void> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'CANCELLED') return
        const payment = await bookings.paymentOfBooking(bookingId)
        if (booking.status === 'CONFIRMED') {
          const startsAt = new Date(`${booking.eventStartsAt}${LOCAL_OFFSET}`).getTime()
          if (startsAt - now.getTime() < deps.refundCutoffHours * 3_600_000) {
            throw new AppError('REFUND_WINDOW_CLOSED', undefined, { event_starts_at: booking.eventStartsAt })
          }
          await bookings.setStatus(bookingId, next(booking, 'refund', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'REFUNDED',
          })
          if (payment) {
            await bookings.setPaymentStatus(payment.id, 'REFUND_PENDING', now)
            await enqueue(tx, PAYMENT_REFUND_JOB, { paymentId: payment.id }, { dedupeKey: `refund:${payment.id}` })
          }
        } else {
          await bookings.setStatus(bookingId, next(booking, 'cancel', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'CANCELLED_BY_USER',
          })
          if (payment?.status === 'INITIATED') {
            await bookings.setPaymentStatus(payment.id, 'CANCELLED', now)
            await enqueue(tx, PAYMENT_CANCEL_JOB, { paymentId: payment.id }, { dedupeKey: `cancel:${payment.id}` })
          }
        }
        await bookings.freeSeats(bookingId)
      })
    },

    /**
     * Applies what the gateway says about a payment. Exactly one transition happens however many callbacks and
     * webhooks arrive, in whatever order; a payment that succeeds after its booking was cancelled is refunded.
     */
    async applyGatewayOutcome(paymentId: number, outcome: 'PAID' | 'FAILED'): Promise<BookingRow['status']> {
      const now = clock.now()
      return db.transaction(async (tx) => {
        const bookings = createBookingRepository(tx)
        const payment = await bookings.findPayment(paymentId)
        if (!payment) throw new AppError('PAYMENT_NOT_FOUND')
        const booking = (await bookings.lock(payment.bookingId))!
        const event: BookingEvent = outcome === 'PAID' ? 'paymentSucceeded' : 'paymentFailed'
        const status = transition(booking.status, event)
        if (status && booking.status === 'PAYMENT_INITIATED') {
          await bookings.setStatus(booking.id, status, now, {
            reason: outcome === 'FAILED' ? 'PAYMENT_FAILED' : undefined,
          })
          if (outcome === 'PAID') {
            await bookings.sellSeats(booking.id)
            await bookings.setPaymentStatus(payment.id, 'PAID', now)
          } else {
            await bookings.freeSeats(booking.id)
            await bookings.setPaymentStatus(payment.id, 'FAILED', now)
          }
          return status
        }
        if (outcome === 'PAID' && booking.status === 'CANCELLED' && payment.status === 'CANCELLED') {
          // Money arrived for seats we no longer hold: give it back.
          await bookings.setPaymentStatus(payment.id, 'REFUND_PENDING', now)
          await enqueue(tx, PAYMENT_REFUND_JOB, { paymentId: payment.id }, { dedupeKey: `refund:${payment.id}` })
        }
        return booking.status
      })
    },

    /** Cancels unpaid bookings whose reservation ran out; their seats are FREE again. */
    async expireDue(limit = 500): Promise<number> {
      return db.transaction(async (tx) => {
        const { bookings, payments } = await createBookingRepository(tx).expireDue(clock.now(), limit)
        for (const payment of payments) {
          await enqueue(tx, PAYMENT_CANCEL_JOB, { paymentId: payment.id }, { dedupeKey: `cancel:${payment.id}` })
        }
        return bookings
      })
    },

    statusOf: (bookingId: number) => repository.statusOf(bookingId),
    findPayment: (id: number) => repository.findPayment(id),
    findPaymentByGatewayId: (id: string) => repository.findPaymentByGatewayId(id),
    setPaymentStatus: (id: number, status: PaymentRow['status']) =>
      repository.setPaymentStatus(id, status, clock.now()),
  }
}

export type BookingService = ReturnType<typeof createBookingService>
