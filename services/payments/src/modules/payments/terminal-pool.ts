/**
 * What the payments module needs of the terminal pool (the terminals module implements it with
 * `createTerminalPool`; payments-decisions.md). The payments module owns payments, attempts, the ledger and every
 * status; the pool owns terminals and leases and is the only code that talks to a terminal.
 */
export interface TerminalPool {
  /** Leases a free terminal, starts the payment, reads the QR; throws TERMINALS_BUSY or TERMINAL_UNAVAILABLE. */
  start(input: { attemptId: number; amountTenge: number }): Promise<{
    terminalId: number
    processId: string
    qrCode: string
    paymentUrl: string
  }>
  /** What the terminal says of an attempt (at most once per second per attempt, single-flight). */
  check(attemptId: number): Promise<TerminalOutcome>
  /** Cancels the attempt on its terminal if it still waits and frees the lease. Idempotent. */
  release(attemptId: number): Promise<void>
  /** A refund of a captured attempt through the terminal that took it; `entryId` is the ledger's refund row. */
  refund(input: { attemptId: number; amountTenge: number; entryId?: number }): Promise<{ processId: string }>
}

export type TerminalOutcome =
  | { state: 'waiting' }
  | { state: 'paid'; amountTiyn: bigint; productType: string; loanTerm?: number; transactionId: string }
  | { state: 'failed'; reason: string }
  | { state: 'unknown' }
