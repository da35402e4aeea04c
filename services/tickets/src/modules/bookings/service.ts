import { AppError, type Clock, type Database, lockKey, lockUntilCommit, type Queryable } from '@kokdala/core'
import { TicketsError, type TicketsErrorCode } from '../../errors.ts'
import type { EventSchedule } from '../events/schedule.ts'
import type { EventService } from '../events/service.ts'
import type { GatewayPaymentStatus, PaymentGateway } from '../payments/gateway.ts'
import type { PaymentRecords, PaymentRow } from '../payments/records.ts'
import type { SeatClaims } from '../seats/claims.ts'
import type { SeatService } from '../seats/service.ts'
import { requestFulfilment } from './jobs.ts'
import { type BookingListRow, type BookingRow, createBookingRepository } from './repository.ts'
import { type BookingEvent, bookingStates } from './state.ts'

export interface BookingServiceDeps {
  db: Database
  clock: Clock
  events: EventService
  /** When events start: a refund's window, read in the refund's transaction. */
  schedule: EventSchedule
  seats: SeatService
  /** The seats module's inventory: a booking's seats move with it, in its transaction. */
  claims: SeatClaims
  /** The payments module's records: a booking's payment moves with it, in its transaction. */
  payments: PaymentRecords
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
  maxUnpaidAmountPerUser: bigint
}

/** A booking in its user's list, with the seats it holds. */
export interface BookingListItem extends BookingListRow {
  seats: Array<{ id: number }>
}

/** Kazakhstan keeps one time zone, UTC+5; event times in the data set are local. */
const LOCAL_OFFSET = '+05:00'

/** The gateway refused for good; the initiation is undone so the buyer can change the booking or come back later. */
function refusedForGood(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'PAYMENT_REJECTED' || error.code === 'GATEWAY_DAILY_LIMIT')
}

/**
 * The booking lifecycle. Every transition runs in one transaction that locks the booking, checks
 * ownership before state, asks the booking transition table (`state.ts`), and moves the seats and the payment with it. Calls to the outside (gateway,
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

  /** The booking's status after `event`, or the refusal `code` when the booking's table does not allow it. */
  function next(booking: BookingRow, event: BookingEvent, code: TicketsErrorCode) {
    return bookingStates.transition(
      booking.status,
      event,
      (status) => new TicketsError(code, undefined, { booking_id: booking.id, status }),
    )
  }

  /** The booking's claims and payment, inside the booking's transaction. */
  function within(tx: Queryable) {
    return { bookings: createBookingRepository(tx), claims: deps.claims.in(tx), payments: deps.payments.in(tx) }
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

    /** The user's bookings with their seats: the bookings from this module, their seats from the seats module. */
    async list(userId: number): Promise<BookingListItem[]> {
      const bookings = await repository.listForUser(userId)
      const seats = await deps.claims.seatsOfBookings(bookings.map((booking) => booking.id))
      return bookings.map((booking) => ({
        ...booking,
        seats: (seats.get(booking.id) ?? []).map((id) => ({ id })),
      }))
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
        const { bookings, claims, payments } = within(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'PAYMENT_INITIATED') return (await payments.ofBooking(bookingId))!
        const status = next(booking, 'initiatePayment', 'BOOKING_NOT_PAYABLE')
        const { seats, amount } = await claims.priceOfBooking(bookingId)
        if (seats === 0) throw new TicketsError('BOOKING_EMPTY')
        // Exact: only this user's initiations (which hold the user's lock) make a booking PAYMENT_INITIATED.
        const unpaid = await payments.unpaidOf(await bookings.idsOfUser(userId, 'PAYMENT_INITIATED'))
        if (unpaid.count + 1 > deps.maxUnpaidPaymentsPerUser || unpaid.amount + amount > deps.maxUnpaidAmountPerUser) {
          throw new TicketsError('TOO_MANY_UNPAID_PAYMENTS', undefined, {
            unpaid_payments: unpaid.count,
            unpaid_amount: (Number(unpaid.amount) / 100).toFixed(2),
            max_unpaid_payments: deps.maxUnpaidPaymentsPerUser,
            max_unpaid_amount: (Number(deps.maxUnpaidAmountPerUser) / 100).toFixed(2),
          })
        }
        // The payer gets a fresh reservation window to complete the payment.
        await bookings.setStatus(bookingId, status, now, {
          expiresAt: new Date(now.getTime() + deps.reservationTimeoutMs),
        })
        return payments.open({ bookingId, amount, gateway: deps.gateway.name })
      })
      if (payment.paymentUrl) return payment.paymentUrl
      let created: { paymentId: string; paymentUrl: string }
      try {
        created = await deps.gateway.createPayment({
          orderId: payment.gatewayOrderId,
          amount: payment.amount,
          description: `Biletter booking ${bookingId}`,
          successUrl: `${deps.publicUrl}/api/payments/success?orderId=${payment.id}`,
          failUrl: `${deps.publicUrl}/api/payments/fail?orderId=${payment.id}`,
          expiresInMinutes: Math.max(1, Math.ceil(deps.reservationTimeoutMs / 60_000)),
        })
      } catch (error) {
        // Refused for good (the payment's own limits, or the team's daily limit until 00:00 UTC): the booking is
        // editable again, so fewer seats may fit, and it is not left waiting in PAYMENT_INITIATED for nothing.
        if (refusedForGood(error)) {
          await db.transaction(async (tx) => {
            const { bookings, payments } = within(tx)
            await payments.withdrawUnsent(payment.id)
            const back = bookingStates.expect('PAYMENT_INITIATED', 'paymentRefused')
            await bookings.setStatusIf(bookingId, 'PAYMENT_INITIATED', back, clock.now())
          })
          throw error
        }
        if (error instanceof AppError) throw error
        // The booking stays PAYMENT_INITIATED; a retry asks the gateway again with the same orderId.
        throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
      }
      await db.transaction(async (tx) => {
        await within(tx).payments.recordGatewayInit(payment, created.paymentId, created.paymentUrl)
        // The provider leg starts now, while the buyer is on the payment page.
        await requestFulfilment(tx, bookingId)
      })
      return created.paymentUrl
    },

    /** Cancels a booking and frees its seats; a paid booking is refunded while the refund window is open. */
    async cancel(userId: number, bookingId: number): Promise<void> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const { bookings, claims, payments } = within(tx)
        const booking = await lockOwned(bookings, userId, bookingId)
        if (booking.status === 'CANCELLED') return
        const payment = await payments.ofBooking(bookingId)
        if (payment?.status === 'AUTHORIZED') {
          throw new TicketsError('PAYMENT_IN_PROGRESS', undefined, { booking_id: bookingId })
        }
        if (booking.status === 'CONFIRMED') {
          const eventStartsAt = (await deps.schedule.in(tx).localStartOf(booking.eventId))!
          const startsAt = new Date(`${eventStartsAt}${LOCAL_OFFSET}`).getTime()
          if (startsAt - now.getTime() < deps.refundCutoffHours * 3_600_000) {
            throw new TicketsError('REFUND_WINDOW_CLOSED', undefined, { event_starts_at: eventStartsAt })
          }
          await bookings.setStatus(bookingId, next(booking, 'refund', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'REFUNDED',
          })
          if (payment) await payments.move(payment, 'refund')
          // The provider never cancels a confirmed order: those seats stay taken, outside any booking.
          if (deps.providerBacked(booking.eventId)) await claims.detachOfBooking(bookingId)
          else await claims.freeOfBookings([bookingId])
        } else {
          await bookings.setStatus(bookingId, next(booking, 'cancel', 'BOOKING_NOT_EDITABLE'), now, {
            reason: 'CANCELLED_BY_USER',
          })
          if (payment?.status === 'INITIATED') await payments.move(payment, 'cancel')
          await claims.freeOfBookings([bookingId])
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
        const { bookings, claims, payments } = within(tx)
        const payment = await payments.find(paymentId)
        if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND')
        const booking = (await bookings.lock(payment.bookingId))!
        const moneyHeld = status === 'AUTHORIZED' || status === 'PAID'
        const open = booking.status === 'PAYMENT_INITIATED' && payment.status === 'INITIATED'
        if (moneyHeld && open) {
          await payments.move(payment, 'authorize')
          await requestFulfilment(tx, booking.id)
        } else if ((status === 'FAILED' || status === 'CANCELLED') && open) {
          const cancelled = next(booking, 'paymentFailed', 'BOOKING_NOT_PAYABLE')
          await bookings.setStatus(booking.id, cancelled, now, { reason: 'PAYMENT_FAILED' })
          await claims.freeOfBookings([booking.id])
          await payments.move(payment, 'fail')
          await requestFulfilment(tx, booking.id)
          return cancelled
        } else if (moneyHeld && booking.status === 'CANCELLED' && payment.status === 'CANCELLED') {
          // Money arrived for seats we no longer hold: the saga gives it back.
          if (status === 'PAID') await payments.move(payment, 'latePayment')
          await requestFulfilment(tx, booking.id)
        }
        return booking.status
      })
    },

    /** The saga secured the tickets and took the money: the booking is CONFIRMED and its seats SOLD. */
    async completeSale(bookingId: number): Promise<void> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const { bookings, claims, payments } = within(tx)
        const booking = await bookings.lock(bookingId)
        const payment = await payments.ofBooking(bookingId)
        if (booking?.status !== 'PAYMENT_INITIATED' || payment?.status !== 'AUTHORIZED') return
        await bookings.setStatus(bookingId, next(booking, 'paymentSucceeded', 'BOOKING_NOT_PAYABLE'), now)
        await claims.sellOfBooking(bookingId)
        await payments.move(payment, 'capture')
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
        const { bookings, claims, payments } = within(tx)
        const booking = await bookings.lock(bookingId)
        if (booking?.status !== 'PAYMENT_INITIATED') return false
        await bookings.setStatus(bookingId, next(booking, 'cancel', 'BOOKING_NOT_EDITABLE'), now, { reason })
        if (keepSeatsOut) await claims.detachOfBooking(bookingId)
        else await claims.freeOfBookings([bookingId])
        const payment = await payments.ofBooking(bookingId)
        if (payment?.status === 'INITIATED' || payment?.status === 'AUTHORIZED') await payments.move(payment, 'cancel')
        await requestFulfilment(tx, bookingId)
        return true
      })
    },

    /**
     * Cancels unpaid bookings whose reservation ran out; their seats are FREE again, their sagas clean up. Bookings
     * whose money the gateway holds (payment AUTHORIZED) are left to their saga, which is securing the tickets: they
     * are not even candidates, and a booking authorised after that read but before the sweep took its lock is found
     * by a second read under the lock (an authorisation holds the booking's lock, so none can happen while the sweep
     * holds it).
     */
    async expireDue(limit = 500): Promise<number> {
      return db.transaction(async (tx) => {
        const { bookings, claims, payments } = within(tx)
        const now = clock.now()
        const from = bookingStates.sources('expire')
        const locked = await bookings.lockDue(now, limit, from, await payments.authorizedBookings())
        const held = new Set(await payments.authorizedBookings(locked))
        const due = locked.filter((id) => !held.has(id))
        const expired = await bookings.expire(due, now, from, bookingStates.target('expire'), 'EXPIRED')
        await claims.freeOfBookings(expired)
        // An open payment form of an expired booking is cancelled; its saga voids it at the gateway.
        const withPayment = await payments.moveOfBookings(expired, 'INITIATED', 'cancel')
        for (const bookingId of withPayment) await requestFulfilment(tx, bookingId)
        return expired.length
      })
    },

    /** Gives the booking's saga a fresh round of retries. */
    retryFulfilment: (bookingId: number) => requestFulfilment(db, bookingId),

    find: (bookingId: number) => repository.find(bookingId),
    statusOf: (bookingId: number) => repository.statusOf(bookingId),

    /** Reset: empties the bookings module's table, inside the reset's transaction. */
    removeAll: (tx: Queryable) => createBookingRepository(tx).removeAll(),
  }
}

export type BookingService = ReturnType<typeof createBookingService>
