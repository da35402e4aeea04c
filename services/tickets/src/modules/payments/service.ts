import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '@kokdala/core'
import type { PaymentRow } from '../bookings/repository.ts'
import type { BookingService } from '../bookings/service.ts'
import type { PaymentGateway } from './gateway.ts'

export interface PaymentOutcome {
  order_id: number
  booking_id: number
  booking_status: string
}

export interface PaymentServiceDeps {
  bookings: BookingService
  gateway: PaymentGateway
  /** Runs the booking's saga now if it is due; true when it ran (see Worker.runKey). */
  fulfilNow: (bookingId: number) => Promise<boolean>
  /** How long a returning buyer waits for the saga to finish before getting the booking's current status. */
  settleTimeoutMs: number
}

/**
 * Callbacks and webhooks only tell us that something may have happened; the gateway's own status decides.
 * That makes forged or replayed callbacks harmless and lets every arrival order give the same result.
 */
export function createPaymentService({ bookings, gateway, fulfilNow, settleTimeoutMs }: PaymentServiceDeps) {
  async function sync(payment: PaymentRow, waitForSaga: boolean): Promise<PaymentOutcome> {
    let moneyHeld = false
    if (payment.gatewayPaymentId) {
      const status = await gateway.status(payment.gatewayPaymentId).catch((error) => {
        if (error instanceof AppError) throw error
        throw new AppError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
      })
      const bookingStatus = await bookings.recordGatewayStatus(payment.id, status)
      moneyHeld = status === 'AUTHORIZED' || status === 'PAID'
      if (!waitForSaga) return { order_id: payment.id, booking_id: payment.bookingId, booking_status: bookingStatus }
    }
    const bookingStatus = await settle(payment.bookingId, moneyHeld)
    return { order_id: payment.id, booking_id: payment.bookingId, booking_status: bookingStatus }
  }

  /**
   * Lets the buyer see the end of the story when it comes quickly: runs the booking's saga in this request (a
   * worker never runs it at the same time) while it only waits for the provider's projection, within a deadline.
   */
  async function settle(bookingId: number, moneyHeld: boolean): Promise<string> {
    const deadline = Date.now() + settleTimeoutMs
    for (;;) {
      await fulfilNow(bookingId)
      const status = (await bookings.statusOf(bookingId)) ?? 'CANCELLED'
      const payment = await bookings.paymentOfBooking(bookingId)
      // A duplicate callback may get here while another request still runs the saga: the gateway's word decides.
      const finishing = status === 'PAYMENT_INITIATED' && (moneyHeld || payment?.status === 'AUTHORIZED')
      if (!finishing || Date.now() >= deadline) return status
      await sleep(50)
    }
  }

  return {
    /** The buyer's browser came back from the gateway (success or fail URL). */
    async onReturn(orderId: number): Promise<PaymentOutcome> {
      const payment = await bookings.findPayment(orderId)
      if (!payment) throw new AppError('PAYMENT_NOT_FOUND', `No payment with orderId ${orderId}`)
      return sync(payment, true)
    },

    /**
     * A gateway webhook; answered as soon as the transition is recorded (the worker runs the saga), and unknown
     * payments are acknowledged so the gateway stops retrying.
     */
    async onNotification(gatewayPaymentId: string | undefined): Promise<PaymentOutcome | undefined> {
      if (!gatewayPaymentId) return undefined
      const payment = await bookings.findPaymentByGatewayId(gatewayPaymentId)
      return payment ? sync(payment, false) : undefined
    },
  }
}

export type PaymentService = ReturnType<typeof createPaymentService>
