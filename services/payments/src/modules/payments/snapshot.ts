import type { Queryable } from '@kokdala/core'
import type { PaymentEvent, PaymentEvents, PaymentWebhookEvent } from './events.ts'
import { figuresOf, type PaymentFigures } from './figures.ts'
import { type Totals, totalsOf } from './ledger.ts'
import type { AttemptRow, PaymentRepository, PaymentRow } from './repository.ts'
import type { PaymentStatus } from './state.ts'
import { seedTime, seedTimeOrNull } from './times.ts'
import { amountFields } from './views.ts'

/** A payment with everything derived from its rows: totals, the newest attempt and the amounts it shows. */
export interface PaymentSnapshot {
  payment: PaymentRow
  totals: Totals
  lastAttempt: AttemptRow | undefined
  figures: PaymentFigures
}

/** Reads a payment's ledger and newest attempt (inside the caller's transaction when it has one). */
export async function loadSnapshot(repo: PaymentRepository, payment: PaymentRow): Promise<PaymentSnapshot> {
  const [entries, lastAttempt] = await Promise.all([repo.entries(payment.id), repo.lastAttempt(payment.id)])
  return withFigures(payment, totalsOf(entries), lastAttempt)
}

export function withFigures(payment: PaymentRow, totals: Totals, lastAttempt: AttemptRow | undefined): PaymentSnapshot {
  // Amounts are shown in the money of the method last chosen (the seed's `amount` of 114 000 after credit).
  const figures = figuresOf(payment.amountTiyn, payment.status, totals, lastAttempt?.commissionBp ?? 0)
  return { payment, totals, lastAttempt, figures }
}

const WEBHOOK_EVENTS: readonly PaymentStatus[] = [
  'paid',
  'partially_paid',
  'failed',
  'cancelled',
  'expired',
  'refunded',
  'partially_refunded',
]

/**
 * Records the payment's new state as an event in `tx` — the transaction of the change — when the status is one
 * integrators are told about (the seed's webhook events; `processing` is not one). `methodCodes` is the methods
 * module's map (`methods.codes()`), read by the caller before its transaction opened.
 */
export async function recordEvent(
  events: PaymentEvents,
  tx: Queryable,
  snapshot: PaymentSnapshot,
  now: Date,
  methodCodes: ReadonlyMap<number, string>,
): Promise<void> {
  const { payment, figures, totals } = snapshot
  const paidWith = totals.lastCaptureMethodId
  if (!WEBHOOK_EVENTS.includes(payment.status)) return
  const name = payment.status as PaymentWebhookEvent
  const event: PaymentEvent = {
    name,
    paymentId: payment.id,
    transactionId: payment.transactionId,
    sourceId: payment.sourceId,
    webhookUrl: payment.webhookUrl,
    webhookSecret: payment.webhookSecret,
    occurredAt: now,
    payload: {
      event: name,
      transaction_id: payment.transactionId,
      ...amountFields(figures),
      currency: payment.currency,
      status: payment.status,
      description: payment.description,
      created_at: seedTime(payment.createdAt),
      paid_at: seedTimeOrNull(payment.paidAt),
      metadata: payment.metadata,
      payment_method: paidWith === null ? null : (methodCodes.get(paidWith) ?? null),
      timestamp: Math.floor(now.getTime() / 1000),
    },
  }
  await events.record(tx, event)
}
