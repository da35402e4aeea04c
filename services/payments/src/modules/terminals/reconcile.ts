import type { TerminalAddress, TerminalRepository } from './repository.ts'

/** One transaction as a terminal's own records show it. */
export interface TerminalTransaction {
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

export interface ReconciliationReport {
  from: Date
  to: Date
  terminals: number
  transactions: number
  captures: number
  /** Terminals whose history could not be read: their side is not compared. */
  unreadable: { terminalId: number; error: string }[]
  mismatches: Mismatch[]
}

/**
 * The daily reconciliation: each terminal's transactions of the period against the captured attempts, both ways.
 * A transaction of ours is found by its transaction id (or process id) in the processes the pool recorded.
 */
export function createReconciliation(deps: {
  terminals: TerminalRepository
  history: TransactionHistory
  capturedAttempts?: CapturedAttempts
}) {
  const captured: CapturedAttempts =
    deps.capturedAttempts ??
    (async ({ from, to }) =>
      (await deps.terminals.paidProcesses(from, to)).map((row) => ({
        attemptId: row.attemptId,
        amountTiyn: BigInt(row.paidAmountTiyn ?? 0),
      })))

  return async function reconcile({ from, to }: { from: Date; to: Date }): Promise<ReconciliationReport> {
    const report: ReconciliationReport = {
      from,
      to,
      terminals: 0,
      transactions: 0,
      captures: 0,
      unreadable: [],
      mismatches: [],
    }
    const captures = new Map((await captured({ from, to })).map((c) => [c.attemptId, c]))
    report.captures = captures.size
    const seen = new Set<number>()
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
      const ids = transactions.flatMap((t) => (t.processId ? [t.transactionId, t.processId] : [t.transactionId]))
      const processes = await deps.terminals.processesOf(terminal.id, ids)
      for (const transaction of transactions) {
        const process = processes.find(
          (p) =>
            p.transactionId === transaction.transactionId ||
            (transaction.processId !== undefined && p.processId === transaction.processId),
        )
        const base = { terminalId: terminal.id, transactionId: transaction.transactionId }
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
    // Captures no terminal transaction stands behind (leaving out terminals whose history could not be read).
    const paid = new Map((await deps.terminals.paidProcesses(from, to)).map((row) => [row.attemptId, row.terminalId]))
    for (const capture of captures.values()) {
      if (seen.has(capture.attemptId)) continue
      const terminalId = paid.get(capture.attemptId) ?? null
      if (terminalId !== null && unreadable.has(terminalId)) continue
      report.mismatches.push({ kind: 'missing_transaction', terminalId, ...capture })
    }
    return report
  }
}

export type Reconcile = ReturnType<typeof createReconciliation>
