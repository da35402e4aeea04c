import { tengeNumber } from './amounts.ts'
import type { StartedAttempt } from './attempts.ts'
import type { PaymentFigures } from './figures.ts'
import type { PaymentSnapshot } from './snapshot.ts'
import { seedTime, seedTimeOrNull } from './times.ts'

/** The seed's init answer. */
export function initView({ payment, figures }: PaymentSnapshot) {
  return {
    transaction_id: payment.transactionId,
    amount: tengeNumber(figures.amount),
    currency: payment.currency,
    status: payment.status,
    expires_at: seedTime(payment.expiresAt),
  }
}

/** The public view of GET /api/payment/{id}: the customer's details and the webhook settings are never in it. */
export function paymentView({ payment, figures, lastAttempt }: PaymentSnapshot, methodCode: string | null) {
  return {
    transaction_id: payment.transactionId,
    amount: tengeNumber(figures.amount),
    original_amount: tengeNumber(figures.originalAmount),
    currency: payment.currency,
    status: payment.status,
    description: payment.description,
    payment_method: methodCode,
    // The link and QR only while the customer can still use them.
    payment_url: lastAttempt?.status === 'waiting' ? lastAttempt.paymentUrl : null,
    qr_code: lastAttempt?.status === 'waiting' ? lastAttempt.qrCode : null,
    paid_amount: tengeNumber(figures.paidAmount),
    actual_amount_received: tengeNumber(figures.actualAmountReceived),
    remaining_amount: tengeNumber(figures.remainingAmount),
    written_off_amount: tengeNumber(figures.writtenOffAmount),
    refunded_amount: tengeNumber(figures.refundedAmount),
    created_at: seedTime(payment.createdAt),
    paid_at: seedTimeOrNull(payment.paidAt),
    expires_at: seedTime(payment.expiresAt),
  }
}

/** The seed's status answer. */
export function statusView({ payment, figures }: PaymentSnapshot) {
  return {
    transaction_id: payment.transactionId,
    status: payment.status,
    ...amountFields(figures),
  }
}

/**
 * The seed's seven amount fields, in tenge and in the seed's order: the status answer and every webhook carry them
 * together.
 */
export function amountFields(figures: PaymentFigures) {
  return {
    amount: tengeNumber(figures.amount),
    original_amount: tengeNumber(figures.originalAmount),
    paid_amount: tengeNumber(figures.paidAmount),
    actual_amount_received: tengeNumber(figures.actualAmountReceived),
    remaining_amount: tengeNumber(figures.remainingAmount),
    written_off_amount: tengeNumber(figures.writtenOffAmount),
    refunded_amount: tengeNumber(figures.refundedAmount),
  }
}

/** The seed's /kaspi answer: what the terminal asks and how it was computed. */
export function attemptView({ payment, attempt, method }: StartedAttempt) {
  return {
    transaction_id: payment.transactionId,
    amount: tengeNumber(attempt.chargeTiyn),
    original_amount: tengeNumber(attempt.dueTiyn),
    commission_amount: tengeNumber(attempt.chargeTiyn - attempt.dueTiyn),
    commission_percent: attempt.commissionBp / 100,
    payment_method: method.code,
    payment_url: attempt.paymentUrl ?? '',
    qr_code: attempt.qrCode ?? '',
    terminal_id: attempt.terminalId ?? 0,
  }
}
