import type { Tiyn } from '@kokdala/core'
import { grossOf } from './fees.ts'
import { remainingNet, type Totals } from './ledger.ts'
import { compare, ratio, toTiyn, ZERO } from './ratio.ts'
import type { PaymentStatus } from './state.ts'

/** The amounts a payment shows, in tiyn, all derived from its amount, its ledger totals and the chosen method. */
export interface PaymentFigures {
  /** The amount in the chosen method's money (the seed's `amount`: 114 000 for 100 000 by credit). */
  amount: Tiyn
  /** What the merchant asked for (the seed's `original_amount`). */
  originalAmount: Tiyn
  /** What has been paid, in the chosen method's money. */
  paidAmount: Tiyn
  /** What the merchant nets of it (the seed's `actual_amount_received`). */
  actualAmountReceived: Tiyn
  /** What is still to pay, in the chosen method's money; 0 once paid (the tolerance's write-off is shown apart). */
  remainingAmount: Tiyn
  writtenOffAmount: Tiyn
  refundedAmount: Tiyn
  overpaidAmount: Tiyn
}

const CLOSED: readonly PaymentStatus[] = ['paid', 'refunded', 'partially_refunded']

/**
 * Shown amounts round once, from exact fractions: amounts owed up (never show less than is owed), amounts paid down
 * (never show more than arrived).
 */
export function figuresOf(amount: Tiyn, status: PaymentStatus, totals: Totals, chosenBp: number): PaymentFigures {
  const remaining = remainingNet(amount, totals)
  const owed =
    CLOSED.includes(status) || compare(remaining, ZERO) <= 0 ? 0n : toTiyn(grossOf(remaining, chosenBp), 'up')
  const paid = toTiyn(grossOf(totals.paidNet, chosenBp), 'down')
  const received = toTiyn(totals.paidNet, 'down')
  return {
    amount: toTiyn(grossOf(ratio(amount), chosenBp), 'up'),
    originalAmount: amount,
    paidAmount: paid > 0n ? paid : 0n,
    actualAmountReceived: received > 0n ? received : 0n,
    remainingAmount: owed,
    writtenOffAmount: totals.writtenOff,
    refundedAmount: totals.refundedGross,
    overpaidAmount: totals.overpaid,
  }
}
