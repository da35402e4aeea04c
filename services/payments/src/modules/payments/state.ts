import { defineStateMachine } from '@kokdala/core'

export const PAYMENT_STATUSES = [
  'pending',
  'processing',
  'paid',
  'partially_paid',
  'failed',
  'cancelled',
  'expired',
  'refunded',
  'partially_refunded',
] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

export type PaymentEventName =
  | 'start'
  | 'capture_full'
  | 'capture_partial'
  | 'fail'
  | 'resume'
  | 'cancel'
  | 'expire'
  | 'refund_full'
  | 'refund_partial'

/**
 * A payment's life (diagram in docs/design/payments.md). Money that a terminal took is always recorded, so a
 * capture is legal even on a cancelled or expired payment (the customer paid while the cancel was on its way);
 * a payment holding money is never cancelled or expired — it is refunded.
 * - start: /kaspi put an attempt on a terminal; fail: it ended without money and none was paid before;
 *   resume: it ended without money after an earlier partial payment, which still stands.
 */
export const paymentStates = defineStateMachine<PaymentStatus, PaymentEventName>('payment', {
  pending: {
    start: 'processing',
    cancel: 'cancelled',
    expire: 'expired',
    capture_full: 'paid',
    capture_partial: 'partially_paid',
  },
  processing: {
    capture_full: 'paid',
    capture_partial: 'partially_paid',
    fail: 'failed',
    resume: 'partially_paid',
    cancel: 'cancelled',
    expire: 'expired',
  },
  failed: {
    start: 'processing',
    cancel: 'cancelled',
    expire: 'expired',
    capture_full: 'paid',
    capture_partial: 'partially_paid',
  },
  partially_paid: {
    start: 'processing',
    capture_full: 'paid',
    capture_partial: 'partially_paid',
    refund_full: 'refunded',
    refund_partial: 'partially_refunded',
  },
  paid: { capture_full: 'paid', refund_full: 'refunded', refund_partial: 'partially_refunded' },
  cancelled: { capture_full: 'paid', capture_partial: 'partially_paid' },
  expired: { capture_full: 'paid', capture_partial: 'partially_paid' },
  partially_refunded: { refund_full: 'refunded', refund_partial: 'partially_refunded' },
  refunded: {},
})
