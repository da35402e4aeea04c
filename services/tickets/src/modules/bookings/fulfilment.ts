import type { PaymentGateway } from '../payments/gateway.ts'
import type { BookingPlaces, ProviderSaga } from '../provider/saga.ts'
import type { BookingService } from './service.ts'

export interface FulfilmentDeps {
  bookings: BookingService
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
 *   CANCELLED                 provider order cancelled; held money voided, or paid money refunded
 *
 * Capture comes after the provider confirms, so a sale the provider cannot deliver is voided, never refunded.
 */
export function createFulfilment(deps: FulfilmentDeps) {
  const { bookings, gateway, provider } = deps

  return {
    async run(bookingId: number): Promise<void> {
      const booking = await bookings.find(bookingId)
      const viaProvider = provider && (booking ? provider.backs(booking.eventId) : true)
      if (!booking) {
        // Reset removed the booking; an order it left open at the provider must still be cancelled.
        if (viaProvider) await provider.saga.cancel(bookingId)
        return
      }
      const payment = await bookings.paymentOfBooking(bookingId)
      switch (booking.status) {
        case 'CREATED':
          return
        case 'PAYMENT_INITIATED': {
          if (viaProvider) await provider.saga.submit(bookingId, await provider.places(bookingId))
          if (payment?.status !== 'AUTHORIZED' || !payment.gatewayPaymentId) return
          if (viaProvider) await provider.saga.confirm(bookingId)
          await gateway.capture(payment.gatewayPaymentId, BigInt(payment.amount))
          await bookings.completeSale(bookingId)
          return
        }
        case 'CONFIRMED':
          if (viaProvider) await provider.saga.confirm(bookingId)
          return
        case 'CANCELLED': {
          // The buyer's money first: a provider that never lets go of the order must not hold up the void.
          if (payment?.gatewayPaymentId && payment.status === 'CANCELLED') {
            await gateway.cancel(payment.gatewayPaymentId)
          }
          if (payment?.gatewayPaymentId && payment.status === 'REFUND_PENDING') {
            await gateway.refund(payment.gatewayPaymentId)
            await bookings.setPaymentStatus(payment.id, 'REFUNDED')
          }
          if (viaProvider) await provider.saga.cancel(bookingId)
          return
        }
      }
    },

    /** Retries are used up: a booking still waiting for its tickets is cancelled, and the saga cleans up after it. */
    async giveUp(bookingId: number, error: unknown): Promise<boolean> {
      return bookings.abandon(bookingId, `FULFILMENT_FAILED: ${(error as Error).message}`.slice(0, 500))
    },
  }
}

export type Fulfilment = ReturnType<typeof createFulfilment>
