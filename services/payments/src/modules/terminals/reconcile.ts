import type { TerminalAddress, TerminalRepository } from './repository.ts'

/** One transaction as a terminal's own records show it: money taken (a purchase) or given back (a refund). */
export interface TerminalTransaction {
  kind: 'purchase' | 'refund'
  transactionId: string
  processId?: string
  amountTiyn: bigint
  productType?: string
  at: Date
}

/**
 * Where a terminal's transactions of a period come from: the simulator's history, or a real terminal's report
 * (Kaspi Business exports) once one is wired; the reconciliation does not care which.
 */
export interface TransactionHistory {
  transactions(terminal: TerminalAddress, period: { from: Date; to: Date }): Promise<TerminalTransaction[]>
}

/** What the payments module captured of an attempt (its ledger is the truth of what we think we got). */
export interface CapturedAttempt {
  attemptId: number
  amountTiyn: bigint
}

/** The payments module's captures of a period; by default the paid processes the terminals module recorded. */
export type CapturedAttempts = (period: { from: Date; to: Date }) => Promise<CapturedAttempt[]>

/** A refund the ledger records (not reversed), with the terminal's id of the refund once the terminal answered. */
export interface LedgerRefund {
  /** The ledger row (or, without the payments module, the terminals' refund row). */
  refundId: number
  attemptId: number
  amountTiyn: bigint
  /** The terminal's refund process id; null when the terminal never answered the refund call. */
  reference: string | null
}

/** The ledger's refunds: of a period, and by the terminal's refund ids whatever their date. */
export interface LedgerRefunds {
  between(period: { from: Date; to: Date }): Promise<LedgerRefund[]>
  byReferences(references: string[]): Promise<LedgerRefund[]>
}

export type Mismatch =
  /** The terminal took money for an attempt that the payments module did not capture. */
  | { kind: 'missing_capture'; terminalId: number; transactionId: string; attemptId: number; amountTiyn: bigint }
  /** The terminal took money no attempt of ours started. */
  | { kind: 'unknown_transaction'; terminalId: number; transactionId: string; amountTiyn: bigint }
  /** A captured attempt the terminal has no transaction for. */
  | { kind: 'missing_transaction'; terminalId: number | null; attemptId: number; amountTiyn: bigint }
  /** Both sides know it, with different amounts. */
  | {
      kind: 'amount_differs'
      terminalId: number
      transactionId: string
      attemptId: number
      terminalAmountTiyn: bigint
      capturedAmountTiyn: bigint
    }
  /** The terminal gave money back that no refund of the ledger shows. */
  | { kind: 'unknown_refund'; terminalId: number; transactionId: string; amountTiyn: bigint }
  /** A refund of the ledger the terminal has no refund transaction for (not confirmed, or never sent). */
  | {
      kind: 'missing_refund'
      terminalId: number | null
      refundId: number
      attemptId: number
      reference: string | null
      amountTiyn: bigint
    }
  /** A refund both sides know, with different amounts. */
  | {
      kind: 'refund_amount_differs'
      terminalId: number
      transactionId: string
      refundId: number
      attemptId: number
      terminalAmountTiyn: bigint
      refundedAmountTiyn: bigint
    }

export interface ReconciliationReport {
  from: Date
  to: Date
  terminals: number
  transactions: number
  captures: number
  /** The ledger's refunds of the period. */
  refunds: number
  /** Terminals whose history could not be read: their side is not compared. */
  unreadable: { terminalId: number; error: string }[]
  mismatches: Mismatch[]
}

/**
 * The daily reconciliation: each terminal's transactions of the period against the ledger, both ways. A purchase is
 * found by its transaction id (or process id) in the processes the pool recorded and compared with the capture of
 * its attempt; a refund is found by its process id (or transaction id) among the ledger's refund references.
 */
export function createReconciliation(deps: {
  terminals: TerminalRepository
  history: TransactionHistory
  capturedAttempts?: CapturedAttempts
  ledgerRefunds?: LedgerRefunds
}) {
  const captured: CapturedAttempts =
    deps.capturedAttempts ??
    (async ({ from, to }) =>
      (await deps.terminals.paidProcesses(from, to)).map((row) => ({
        attemptId: row.attemptId,
        amountTiyn: BigInt(row.paidAmountTiyn ?? 0),
      })))
  const refunds: LedgerRefunds = deps.ledgerRefunds ?? {
    between: ({ from, to }) => deps.terminals.refundsBetween(from, to),
    byReferences: (references) => deps.terminals.refundsByProcessIds(references),
  }

  return async function reconcile({ from, to }: { from: Date; to: Date }): Promise<ReconciliationReport> {
    const report: ReconciliationReport = {
      from,
      to,
      terminals: 0,
      transactions: 0,
      captures: 0,
      refunds: 0,
      unreadable: [],
      mismatches: [],
    }
    const captures = new Map((await captured({ from, to })).map((c) => [c.attemptId, c]))
    const periodRefunds = await refunds.between({ from, to })
    report.captures = captures.size
    report.refunds = periodRefunds.length
    const seen = new Set<number>()
    const seenRefunds = new Set<number>()
    const unreadable = new Set<number>()
    const addresses = await deps.terminals.terminalAddresses()
    report.terminals = addresses.length
    for (const terminal of addresses) {
      let transactions: TerminalTransaction[]
      try {
        transactions = await deps.history.transactions(terminal, { from, to })
      } catch (error) {
        unreadable.add(terminal.id)
        report.unreadable.push({
          terminalId: terminal.id,
          error: error instanceof Error ? error.message : String(error),
        })
        continue
      }
      report.transactions += transactions.length
      const purchases = transactions.filter((t) => t.kind === 'purchase')
      await comparePurchases(terminal.id, purchases, captures, seen, report)
      const given = transactions.filter((t) => t.kind === 'refund')
      await compareRefunds(terminal.id, given, seenRefunds, report)
    }
    // Captures no terminal transaction stands behind (leaving out terminals whose history could not be read).
    const paid = new Map((await deps.terminals.paidProcesses(from, to)).map((row) => [row.attemptId, row.terminalId]))
    for (const capture of captures.values()) {
      if (seen.has(capture.attemptId)) continue
      const terminalId = paid.get(capture.attemptId) ?? null
      if (terminalId !== null && unreadable.has(terminalId)) continue
      report.mismatches.push({ kind: 'missing_transaction', terminalId, ...capture })
    }
    // Refunds of the ledger no terminal gave back (a refund goes through the terminal that took the capture).
    const missing = periodRefunds.filter((r) => !seenRefunds.has(r.refundId))
    const terminalOf = await deps.terminals.terminalsOfAttempts(missing.map((r) => r.attemptId))
    for (const refund of missing) {
      const terminalId = terminalOf.get(refund.attemptId) ?? null
      if (terminalId !== null && unreadable.has(terminalId)) continue
      report.mismatches.push({ kind: 'missing_refund', terminalId, ...refund })
    }
    return report
  }

  async function comparePurchases(
    terminalId: number,
    transactions: TerminalTransaction[],
    captures: Map<number, CapturedAttempt>,
    seen: Set<number>,
    report: ReconciliationReport,
  ): Promise<void> {
    const ids = transactions.flatMap((t) => (t.processId ? [t.transactionId, t.processId] : [t.transactionId]))
    const processes = await deps.terminals.processesOf(terminalId, ids)
    for (const transaction of transactions) {
      const process = processes.find(
        (p) =>
          p.transactionId === transaction.transactionId ||
          (transaction.processId !== undefined && p.processId === transaction.processId),
      )
      const base = { terminalId, transactionId: transaction.transactionId }
      if (!process) {
        report.mismatches.push({ kind: 'unknown_transaction', ...base, amountTiyn: transaction.amountTiyn })
        continue
      }
      seen.add(process.attemptId)
      const capture = captures.get(process.attemptId)
      if (!capture) {
        const missing = { attemptId: process.attemptId, amountTiyn: transaction.amountTiyn }
        report.mismatches.push({ kind: 'missing_capture', ...base, ...missing })
      } else if (capture.amountTiyn !== transaction.amountTiyn) {
        report.mismatches.push({
          kind: 'amount_differs',
          ...base,
          attemptId: process.attemptId,
          terminalAmountTiyn: transaction.amountTiyn,
          capturedAmountTiyn: capture.amountTiyn,
        })
      }
    }
  }

  async function compareRefunds(
    terminalId: number,
    transactions: TerminalTransaction[],
    seen: Set<number>,
    report: ReconciliationReport,
  ): Promise<void> {
    const ids = transactions.flatMap((t) => (t.processId ? [t.processId, t.transactionId] : [t.transactionId]))
    const known = ids.length === 0 ? [] : await refunds.byReferences(ids)
    for (const transaction of transactions) {
      const refund = known.find(
        (r) =>
          r.reference !== null &&
          ((transaction.processId !== undefined && r.reference === transaction.processId) ||
            r.reference === transaction.transactionId),
      )
      const base = { terminalId, transactionId: transaction.transactionId }
      if (!refund) {
        report.mismatches.push({ kind: 'unknown_refund', ...base, amountTiyn: transaction.amountTiyn })
        continue
      }
      seen.add(refund.refundId)
      if (refund.amountTiyn !== transaction.amountTiyn) {
        report.mismatches.push({
          kind: 'refund_amount_differs',
          ...base,
          refundId: refund.refundId,
          attemptId: refund.attemptId,
          terminalAmountTiyn: transaction.amountTiyn,
          refundedAmountTiyn: refund.amountTiyn,
        })
      }
    }
  }
}

export type Reconcile = ReturnType<typeof createReconciliation>
