import type { Queryable } from '@kokdala/core'

/** The events a payment's webhook announces (the seed's five, plus expired and partially_refunded). */
export type PaymentWebhookEvent =
  | 'paid'
  | 'partially_paid'
  | 'failed'
  | 'cancelled'
  | 'expired'
  | 'refunded'
  | 'partially_refunded'

/** The seed's webhook body, field for field; amounts are tenge numbers, times the seed's "YYYY-MM-DD HH:MM:SS". */
export interface PaymentEventPayload {
  event: PaymentWebhookEvent
  transaction_id: string
  amount: number
  original_amount: number
  paid_amount: number
  actual_amount_received: number
  remaining_amount: number
  written_off_amount: number
  refunded_amount: number
  currency: string
  status: string
  description: string | null
  created_at: string
  paid_at: string | null
  metadata: Record<string, unknown> | null
  /**
   * The method code of the newest capture (`kaspi_gold`, `kaspi_red`, …): what the money was actually paid with,
   * which the fiscal receipt's payment type follows; null before any money was taken. Added to the seed's fields.
   */
  payment_method: string | null
  /** Unix seconds of the change. */
  timestamp: number
}

/** One change of a payment, as the webhooks module receives it. */
export interface PaymentEvent {
  name: PaymentWebhookEvent
  paymentId: number
  transactionId: string
  sourceId: number | null
  /** Where and with what the seed-compatible signature goes; null when the payment asked for no webhook. */
  webhookUrl: string | null
  webhookSecret: string | null
  occurredAt: Date
  payload: PaymentEventPayload
}

/**
 * Called by the payments module in the same transaction as each status change (and each money movement that
 * leaves the status as it was), so an event is recorded exactly when the change commits. The webhooks module
 * implements it with core webhooks (an outbox row in `tx`).
 */
export interface PaymentEvents {
  record(tx: Queryable, event: PaymentEvent): Promise<void>
}

/** Records nothing: the default until the webhooks module is wired in. */
export const noPaymentEvents: PaymentEvents = {
  async record() {},
}
