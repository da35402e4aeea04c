import type { Tiyn } from '@kokdala/core'

/** What a gateway says about a payment; it, not the browser, is the source of truth. */
export type GatewayPaymentStatus = 'PENDING' | 'PAID' | 'FAILED' | 'CANCELLED' | 'REFUNDED'

export interface CreatePaymentInput {
  /** Our payment id; unique forever, so a repeated create returns the same gateway payment. */
  orderId: number
  amount: Tiyn
  description: string
  successUrl: string
  failUrl: string
}

/**
 * A payment gateway as the tickets service uses it. Implementations: the test-mode gateway (its own page
 * inside this service) now; the ТөлеуБар gateway over HTTP next, behind the same interface.
 */
export interface PaymentGateway {
  readonly name: string
  /** Idempotent per orderId. */
  createPayment(input: CreatePaymentInput): Promise<{ paymentId: string; paymentUrl: string }>
  status(paymentId: string): Promise<GatewayPaymentStatus>
  /** Voids a payment that has not been paid; a no-op when it is already final. */
  cancel(paymentId: string): Promise<void>
  /** Returns the money of a paid payment. */
  refund(paymentId: string): Promise<void>
}
