import type { Tiyn } from '@kokdala/core'

/**
 * What a gateway says about a payment; it, not the browser, is the source of truth. AUTHORIZED means the buyer's
 * money is held but not taken: we capture only once the tickets are secured (the provider saga), so a sale that
 * cannot be delivered is voided rather than refunded.
 */
export type GatewayPaymentStatus = 'PENDING' | 'AUTHORIZED' | 'PAID' | 'FAILED' | 'CANCELLED' | 'REFUNDED'

export interface CreatePaymentInput {
  /**
   * The order id the gateway sees. Gateways keep order ids unique per merchant forever, across our database
   * resets, so this is `payment.gateway_order_id` (payment id plus a random suffix), not the bare payment id.
   */
  orderId: string
  amount: Tiyn
  description: string
  successUrl: string
  failUrl: string
  /** The gateway expires the unpaid payment after this many minutes (our reservation window). */
  expiresInMinutes: number
}

/**
 * A payment gateway as the tickets service uses it. Implementations: the test-mode gateway (its own page inside
 * this service) and ТөлеуБар over HTTP. Every method is safe to repeat. Errors: `AppError('PAYMENT_REJECTED')` when
 * the gateway refuses for good (amount limits, bad data), `AppError('GATEWAY_DAILY_LIMIT')` when the team's daily
 * limit is used up (nothing to retry before 00:00 UTC), `AppError('GATEWAY_UNAVAILABLE')` for outages, timeouts,
 * 5xx and an open circuit breaker (retry later).
 */
export interface PaymentGateway {
  readonly name: string
  /** Idempotent per orderId: repeating it returns the same gateway payment. */
  createPayment(input: CreatePaymentInput): Promise<{ paymentId: string; paymentUrl: string }>
  status(paymentId: string): Promise<GatewayPaymentStatus>
  /** Takes the held money of an AUTHORIZED payment; a no-op when it is already PAID. */
  capture(paymentId: string, amount: Tiyn): Promise<void>
  /** Voids a payment that has not been captured; a no-op when it is already final. */
  cancel(paymentId: string): Promise<void>
  /** Returns the money of a captured payment; a no-op when it is already refunded. */
  refund(paymentId: string): Promise<void>
}
