import { AppError, RetryLater } from '@kokdala/core'
import type { PaymentGateway } from '../payments/gateway.ts'
import type { PaymentRecords, PaymentRow } from '../payments/records.ts'
import type { BookingPlaces, ProviderSaga } from '../provider/saga.ts'
import type { BookingService } from './service.ts'

export interface FulfilmentDeps {
  bookings: BookingService
  payments: PaymentRecords
  gateway: PaymentGateway
  /** Present when an Event Provider is configured. */
  provider?: {
    saga: ProviderSaga
    backs: (eventId: number) => boolean
    places: (bookingId: number) => Promise<BookingPlaces>
  }
}

/**
 * The saga of a booking: brings everything outside our database in line with the booking, one idempotent step at
 * a time, run by the job worker whenever a transition asks for it (and again after failures, with backoff).
 *
 *   PAYMENT_INITIATED         provider order created, places selected, counted, submitted (while the buyer pays)
 *   … + payment AUTHORIZED    provider order confirmed → money captured → booking CONFIRMED, seats SOLD
 *   CANCELLED                 provider order cancelled; held money voided, or paid money refunded (independently)
 *
 * Capture comes after the provider confirms, so a sale the provider cannot deliver is voided, never refunded.
 */
export function createFulfilment(deps: FulfilmentDeps) {
  const { bookings, payments, gateway, provider } = deps

  return {
    async run(bookingId: number): Promise<void> {
      const booking = await bookings.find(bookingId)
      const viaProvider = provider && (booking ? provider.backs(booking.eventId) : true)
      if (!booking) {
        // Reset removed the booking; an order it left open at the provider must still be cancelled, and money of its
        // archived payment still held or owed goes back (independently, as for a cancelled booking).
        return allSettled([
          () => settleArchivedPayment(bookingId),
          () => (viaProvider ? provider.saga.cancel(bookingId) : undefined),
        ])
      }
      const payment = await payments.ofBooking(bookingId)
      switch (booking.status) {
        case 'CREATED':
          return
        case 'PAYMENT_INITIATED': {
          if (viaProvider) await provider.saga.submit(bookingId, await provider.places(bookingId))
          if (payment?.status !== 'AUTHORIZED' || !payment.gatewayPaymentId) return
          if (viaProvider) await provider.saga.confirm(bookingId)
          try {
            await gateway.capture(payment.gatewayPaymentId, payment.amount)
          } catch (error) {
            if (!isRefusal(error)) throw error
            // The hold is gone for good (expired, reversed): no money will come. Seats the provider has
            // confirmed never come back, so they stay out of sale.
            const keepSeatsOut = viaProvider && (await provider.saga.mayBeConfirmed(bookingId))
            await bookings.abandon(bookingId, `PAYMENT_FAILED: ${(error as Error).message}`, { keepSeatsOut })
            return
          }
          await bookings.completeSale(bookingId)
          return
        }
        case 'CONFIRMED':
          if (viaProvider) await provider.saga.confirm(bookingId)
          return
        case 'CANCELLED':
          // Two independent legs: a gateway that cannot void (the deployed ТөлеуБар's cancel always fails) must not
          // keep the provider's places held, and a provider that never lets go must not hold up the buyer's money.
          return allSettled([
            () => giveMoneyBack(payment),
            () => (viaProvider ? provider.saga.cancel(bookingId) : undefined),
          ])
      }
    },

    /**
     * Retries are used up. A booking still waiting for its tickets is cancelled and the saga cleans up after it,
     * unless the provider may already have confirmed its order: those tickets are ours for good, so the saga keeps
     * trying to take the money (the gateway's hold outlives our retries) instead of voiding it. Returns whether
     * the booking changed.
     */
    async giveUp(bookingId: number, error: unknown): Promise<boolean> {
      if (await moneyStillToReturn(bookingId)) {
        // A cancelled booking whose money the gateway still holds (the deployed gateway's cancel always fails): the
        // saga keeps trying to void it. That ends when a void goes through, or when the gateway expires the payment
        // itself (an unpaid form after its paymentExpiry, a hold after its authorisation period), which gives the
        // money back as surely; the saga then finds nothing to void and is done.
        await bookings.retryFulfilment(bookingId)
        return false
      }
      const keepSeatsOut = provider ? await provider.saga.mayBeConfirmed(bookingId) : false
      if (keepSeatsOut && !isRefusal(error) && (await bookings.statusOf(bookingId)) === 'PAYMENT_INITIATED') {
        await bookings.retryFulfilment(bookingId)
        return false
      }
      const reason = `FULFILMENT_FAILED: ${(error as Error).message}`.slice(0, 500)
      return bookings.abandon(bookingId, reason, { keepSeatsOut })
    },
  }

  /**
   * Whether a cancelled booking's payment may still hold money the gateway will give back by itself in time (not
   * captured: NEW, FORM_SHOWED, AUTHORIZED), so retrying its void is bounded by the gateway's own expiry. A captured
   * payment waiting for a refund that keeps failing is not: its job stays dead for an operator.
   */
  async function moneyStillToReturn(bookingId: number): Promise<boolean> {
    if ((await bookings.statusOf(bookingId)) !== 'CANCELLED') return false
    const payment = await payments.ofBooking(bookingId)
    if (payment?.status !== 'CANCELLED' || !payment.gatewayPaymentId) return false
    try {
      const status = await gateway.status(payment.gatewayPaymentId)
      return status === 'PENDING' || status === 'AUTHORIZED'
    } catch (error) {
      // An unreachable gateway cannot have captured a payment we never captured: keep trying.
      return error instanceof AppError && error.code === 'GATEWAY_UNAVAILABLE'
    }
  }

  /**
   * The archived payment of a booking a reset removed: an open form is cancelled and held money voided (there is no
   * booking left to sell), a refund that was owed is made. A captured payment of a sale stays as it was.
   */
  async function settleArchivedPayment(bookingId: number): Promise<void> {
    const payment = await payments.archivedOfBooking(bookingId)
    if (!payment) return
    if (['INITIATED', 'AUTHORIZED', 'CANCELLED'].includes(payment.status)) {
      await gateway.cancel(payment.gatewayPaymentId)
      await payments.settleArchived(payment, 'cancel')
    } else if (payment.status === 'REFUND_PENDING') {
      await gateway.refund(payment.gatewayPaymentId)
      await payments.settleArchived(payment, 'refunded')
    }
  }

  /** Voids held money, or refunds paid money, of a booking that was cancelled. */
  async function giveMoneyBack(payment: PaymentRow | undefined): Promise<void> {
    if (!payment?.gatewayPaymentId) return
    if (payment.status === 'CANCELLED') await gateway.cancel(payment.gatewayPaymentId)
    if (payment.status === 'REFUND_PENDING') {
      await gateway.refund(payment.gatewayPaymentId)
      await payments.move(payment, 'refunded')
    }
  }
}

/** The gateway refused for good (as opposed to being unreachable). */
function isRefusal(error: unknown): boolean {
  return error instanceof AppError && error.code === 'PAYMENT_REJECTED'
}

/**
 * Runs every step even when some fail, then throws: a real failure before a RetryLater, so the job's retry
 * schedule applies whenever something actually failed. Each step is idempotent and the job runs them all again.
 */
async function allSettled(steps: Array<() => Promise<unknown> | undefined>): Promise<void> {
  const failures: unknown[] = []
  for (const step of steps) {
    try {
      await step()
    } catch (error) {
      failures.push(error)
    }
  }
  if (failures.length === 0) return
  throw failures.find((failure) => !(failure instanceof RetryLater)) ?? failures[0]
}

export type Fulfilment = ReturnType<typeof createFulfilment>
