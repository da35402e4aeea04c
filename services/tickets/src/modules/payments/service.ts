import { AppError } from '@kokdala/core'
import type { PaymentRow } from '../bookings/repository.ts'
import type { BookingService } from '../bookings/service.ts'
import type { PaymentGateway } from './gateway.ts'

export interface PaymentOutcome {
  order_id: number
  booking_id: number
  booking_status: string
}

/**
 * Callbacks and webhooks only tell us that something may have happened; the gateway's own status decides.
 * That makes forged or replayed callbacks harmless and lets every arrival order give the same result.
 */
export function createPaymentService({ bookings, gateway }: { bookings: BookingService; gateway: PaymentGateway }) {
  async function sync(payment: PaymentRow): Promise<PaymentOutcome> {
    let bookingStatus: string | undefined
    if (payment.gatewayPaymentId) {
      const status = await gateway.status(payment.gatewayPaymentId).catch((error) => {
        throw new AppError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
      })
      if (status === 'PAID') bookingStatus = await bookings.applyGatewayOutcome(payment.id, 'PAID')
      if (status === 'FAILED' || status === 'CANCELLED') {
        bookingStatus = await bookings.applyGatewayOutcome(payment.id, 'FAILED')
      }
    }
    bookingStatus ??= await bookings.statusOf(payment.bookingId)
    return { order_id: payment.id, booking_id: payment.bookingId, booking_status: bookingStatus }
  }

  return {
    /** The buyer's browser came back from the gateway (success or fail URL). */
    async onReturn(orderId: number): Promise<PaymentOutcome> {
      const payment = await bookings.findPayment(orderId)
      if (!payment) throw new AppError('PAYMENT_NOT_FOUND', `No payment with orderId ${orderId}`)
      return sync(payment)
    },

    /** A gateway webhook; unknown payments are acknowledged so the gateway stops retrying. */
    async onNotification(gatewayPaymentId: string | undefined): Promise<PaymentOutcome | undefined> {
      if (!gatewayPaymentId) return undefined
      const payment = await bookings.findPaymentByGatewayId(gatewayPaymentId)
      return payment ? sync(payment) : undefined
    },

    /** Job handler: void an unpaid payment whose booking was cancelled or expired. */
    async cancelAtGateway(paymentId: number): Promise<void> {
      const payment = await bookings.findPayment(paymentId)
      if (payment?.gatewayPaymentId) await gateway.cancel(payment.gatewayPaymentId)
    },

    /** Job handler: return the money of a cancelled paid booking. */
    async refundAtGateway(paymentId: number): Promise<void> {
      const payment = await bookings.findPayment(paymentId)
      if (!payment?.gatewayPaymentId || payment.status !== 'REFUND_PENDING') return
      await gateway.refund(payment.gatewayPaymentId)
      await bookings.setPaymentStatus(payment.id, 'REFUNDED')
    },
  }
}

export type PaymentService = ReturnType<typeof createPaymentService>
