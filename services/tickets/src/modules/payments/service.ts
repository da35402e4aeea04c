import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '@kokdala/core'
import { TicketsError } from '../../errors.ts'
import type { BookingService } from '../bookings/service.ts'
import type { BookingStatus } from '../bookings/state.ts'
import type { GatewayPaymentStatus, PaymentGateway } from './gateway.ts'
import type { PaymentRecords, PaymentRow } from './records.ts'
import { createStatusChecks } from './status-checks.ts'

/**
 * Where the buyer's money stands, in the buyer's terms: not paid yet, being completed, paid, never charged (or a
 * hold released), to be returned, returned.
 */
export type BuyerPaymentStatus = 'PENDING' | 'PROCESSING' | 'PAID' | 'NOT_CHARGED' | 'REFUND_PENDING' | 'REFUNDED'

/**
 * The answer of the return URLs. It names the payment by its order number only: booking ids are not revealed to
 * whoever holds the URL.
 */
export interface PaymentOutcome {
  order_id: number
  booking_status: BookingStatus
  payment_status: BuyerPaymentStatus
  message: string
}

const MESSAGES: Record<BuyerPaymentStatus, string> = {
  PENDING: 'The payment has not been made yet',
  PROCESSING: 'The payment is received; the tickets are being issued',
  PAID: 'The payment is complete and the tickets are yours',
  NOT_CHARGED: 'The booking is cancelled; no money was taken',
  REFUND_PENDING: 'The booking is cancelled; the money you paid will be returned',
  REFUNDED: 'The booking is cancelled; the money you paid has been returned',
}

/** Whether a notification's signature was checked and held, or it is only a hint that something may have changed. */
export type NotificationTrust = 'signed' | 'unsigned'

/** Counts of notifications by what was done with them, for metrics. */
export interface NotificationStats {
  checked: number
  unknown: number
  dropped: number
}

export interface PaymentServiceDeps {
  bookings: BookingService
  records: PaymentRecords
  gateway: PaymentGateway
  /** Runs the booking's saga now if it is due; true when it ran (see Worker.runKey). */
  fulfilNow: (bookingId: number) => Promise<boolean>
  /** How long a returning buyer waits for the saga to finish before getting the booking's current status. */
  settleTimeoutMs: number
  /** Status checks of one payment are at most one per this interval (see status-checks.ts). */
  statusIntervalMs: number
  /** Unsigned notifications may cause at most this many gateway checks per second. */
  hintChecksPerSecond: number
  now?: () => number
}

/** Payment statuses after which the gateway has nothing more to tell us: answered from our records. */
const SETTLED: ReadonlySet<PaymentRow['status']> = new Set(['PAID', 'FAILED', 'REFUND_PENDING', 'REFUNDED'])

/**
 * Callbacks and webhooks only tell us that something may have happened; the gateway's own status decides.
 * That makes forged or replayed callbacks harmless and lets every arrival order give the same result. Checks are
 * coalesced per payment, and unsigned notifications are bounded, so no flood of either multiplies gateway calls.
 */
export function createPaymentService(deps: PaymentServiceDeps) {
  const { bookings, records, gateway, fulfilNow, settleTimeoutMs } = deps
  const now = deps.now ?? Date.now
  const checks = createStatusChecks({ check: askGateway, intervalMs: deps.statusIntervalMs, now })
  const stats: NotificationStats = { checked: 0, unknown: 0, dropped: 0 }
  // A token bucket for unsigned notifications: refills continuously, holds at most one second's worth.
  const hintRate = deps.hintChecksPerSecond
  let hintTokens = hintRate
  let hintRefilledAt = now()

  async function askGateway(gatewayPaymentId: string): Promise<GatewayPaymentStatus> {
    try {
      return await gateway.status(gatewayPaymentId)
    } catch (error) {
      if (error instanceof AppError) throw error
      throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: (error as Error).message })
    }
  }

  function takeHintToken(): boolean {
    const at = now()
    hintTokens = Math.min(hintRate, hintTokens + ((at - hintRefilledAt) / 1000) * hintRate)
    hintRefilledAt = at
    if (hintTokens < 1) return false
    hintTokens -= 1
    return true
  }

  /**
   * Brings our records in line with the gateway's word on the payment (when it may still have news) and returns
   * the gateway's status, or undefined when it was not asked.
   */
  async function sync(payment: PaymentRow): Promise<GatewayPaymentStatus | undefined> {
    if (!payment.gatewayPaymentId || SETTLED.has(payment.status)) return undefined
    const status = await checks.status(payment.gatewayPaymentId)
    await bookings.recordGatewayStatus(payment.id, status)
    return status
  }

  /**
   * Lets the buyer see the end of the story when it comes quickly: runs the booking's saga in this request (a
   * worker never runs it at the same time) while it only waits for the provider's projection, within a deadline.
   */
  async function settle(bookingId: number, moneyHeld: boolean): Promise<BookingStatus> {
    const deadline = Date.now() + settleTimeoutMs
    for (;;) {
      await fulfilNow(bookingId)
      const status = (await bookings.statusOf(bookingId)) ?? 'CANCELLED'
      const payment = await records.ofBooking(bookingId)
      // A duplicate callback may get here while another request still runs the saga: the gateway's word decides.
      const finishing = status === 'PAYMENT_INITIATED' && (moneyHeld || payment?.status === 'AUTHORIZED')
      if (!finishing || Date.now() >= deadline) return status
      await sleep(50)
    }
  }

  /** What the buyer is told, from the booking, our payment record and, when asked, the gateway's status. */
  function outcome(
    payment: PaymentRow,
    bookingStatus: BookingStatus,
    gatewayStatus: GatewayPaymentStatus | undefined,
  ): PaymentOutcome {
    let money: BuyerPaymentStatus
    if (bookingStatus === 'CONFIRMED') money = 'PAID'
    else if (bookingStatus !== 'CANCELLED') {
      const held = payment.status === 'AUTHORIZED' || gatewayStatus === 'AUTHORIZED' || gatewayStatus === 'PAID'
      money = held ? 'PROCESSING' : 'PENDING'
    } else if (payment.status === 'REFUNDED' || gatewayStatus === 'REFUNDED') money = 'REFUNDED'
    else if (payment.status === 'REFUND_PENDING' || gatewayStatus === 'AUTHORIZED' || gatewayStatus === 'PAID') {
      // Money arrived for a booking that is cancelled (a late payment, or a form paid although its cancel failed):
      // the saga voids or refunds it.
      money = 'REFUND_PENDING'
    } else money = 'NOT_CHARGED'
    return { order_id: payment.id, booking_status: bookingStatus, payment_status: money, message: MESSAGES[money] }
  }

  return {
    /** The buyer's browser came back from the gateway (success or fail URL). */
    async onReturn(orderId: number): Promise<PaymentOutcome> {
      const payment = await records.find(orderId)
      if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND', `No payment with orderId ${orderId}`)
      const gatewayStatus = await sync(payment)
      const moneyHeld = gatewayStatus === 'AUTHORIZED' || gatewayStatus === 'PAID'
      const bookingStatus = await settle(payment.bookingId, moneyHeld)
      const latest = (await records.find(orderId)) ?? payment
      return outcome(latest, bookingStatus, gatewayStatus)
    },

    /**
     * A gateway notification; answered as soon as the transition is recorded (the worker runs the saga). Unknown
     * payments are acknowledged so the gateway stops retrying. An unsigned one is only a hint: it is checked while
     * the hint budget lasts and otherwise acknowledged and dropped; its answer never tells the booking's status.
     */
    async onNotification(
      gatewayPaymentId: string | undefined,
      trust: NotificationTrust,
    ): Promise<{ handled: keyof NotificationStats; booking_status?: BookingStatus }> {
      const payment = gatewayPaymentId ? await records.findByGatewayId(gatewayPaymentId) : undefined
      if (!payment) {
        stats.unknown++
        return { handled: 'unknown' }
      }
      if (trust === 'unsigned' && !SETTLED.has(payment.status) && !takeHintToken()) {
        stats.dropped++
        return { handled: 'dropped' }
      }
      stats.checked++
      await sync(payment)
      if (trust === 'unsigned') return { handled: 'checked' }
      return { handled: 'checked', booking_status: await bookings.statusOf(payment.bookingId) }
    },

    /** Notifications by outcome since start (checked, unknown payment, dropped over the hint budget). */
    notificationStats: (): NotificationStats => ({ ...stats }),
  }
}

export type PaymentService = ReturnType<typeof createPaymentService>
