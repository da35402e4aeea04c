import { formatTenge } from '@kokdala/core'
import type { Static } from 'typebox'
import type { Mismatch, ReconciliationReport } from './reconcile.ts'
import type { MismatchJson, ReconcileResponse } from './schemas.ts'

const tenge = (tiyn: bigint) => Number(formatTenge(tiyn))

/** A mismatch as the admin API shows it (tenge numbers). */
export function mismatchJson(m: Mismatch): Static<typeof MismatchJson> {
  switch (m.kind) {
    case 'amount_differs':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        terminal_amount: tenge(m.terminalAmountTiyn),
        captured_amount: tenge(m.capturedAmountTiyn),
      }
    case 'missing_transaction':
      return { kind: m.kind, terminal_id: m.terminalId, attempt_id: m.attemptId, amount: tenge(m.amountTiyn) }
    case 'missing_capture':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        amount: tenge(m.amountTiyn),
      }
    case 'missing_refund':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        attempt_id: m.attemptId,
        refund_id: m.refundId,
        refund_reference: m.reference,
        amount: tenge(m.amountTiyn),
      }
    case 'refund_amount_differs':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        refund_id: m.refundId,
        terminal_amount: tenge(m.terminalAmountTiyn),
        refunded_amount: tenge(m.refundedAmountTiyn),
      }
    default:
      return { kind: m.kind, terminal_id: m.terminalId, transaction_id: m.transactionId, amount: tenge(m.amountTiyn) }
  }
}

/** The reconciliation report as the admin API and `kokdala payments reconcile` show it. */
export function reconciliationJson(report: ReconciliationReport): Static<typeof ReconcileResponse>['data'] {
  return {
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    terminals: report.terminals,
    transactions: report.transactions,
    captures: report.captures,
    refunds: report.refunds,
    unreadable: report.unreadable.map((u) => ({ terminal_id: u.terminalId, error: u.error })),
    mismatches: report.mismatches.map(mismatchJson),
  }
}
