import { tenge } from '@kokdala/core'
import { PaymentsError } from '../src/errors.ts'
import type { TerminalOutcome, TerminalPool } from '../src/modules/payments/terminal-pool.ts'

/**
 * An in-memory terminal pool for the payments module's tests, standing in for the terminals module until both are
 * merged: a fixed number of terminals leased per attempt, outcomes set by the test (`pay`, `fail`), and a log of
 * every call so tests can check what the payments module asked.
 */
export function createFakeTerminalPool({ terminals = 2 }: { terminals?: number } = {}) {
  const leases = new Map<number, number>() // attemptId → terminalId
  const outcomes = new Map<number, TerminalOutcome>()
  const charges = new Map<number, number>()
  const calls: Array<{ op: string; attemptId: number; amountTenge?: number }> = []
  let offline = false
  let refundsFail = false
  let gate: Promise<void> | undefined

  const pool: TerminalPool = {
    async start({ attemptId, amountTenge }) {
      calls.push({ op: 'start', attemptId, amountTenge })
      await gate
      if (offline) throw new PaymentsError('TERMINAL_UNAVAILABLE')
      const busy = new Set(leases.values())
      const free = Array.from({ length: terminals }, (_, i) => i + 1).find((id) => !busy.has(id))
      if (free === undefined) throw new PaymentsError('TERMINALS_BUSY')
      leases.set(attemptId, free)
      charges.set(attemptId, amountTenge)
      outcomes.set(attemptId, { state: 'waiting' })
      return {
        terminalId: free,
        processId: `process-${attemptId}`,
        qrCode: `https://qr.kaspi.kz/fake${attemptId}`,
        paymentUrl: `https://pay.kaspi.kz/pay/fake${attemptId}`,
      }
    },
    async check(attemptId) {
      calls.push({ op: 'check', attemptId })
      return outcomes.get(attemptId) ?? { state: 'unknown' }
    },
    async release(attemptId) {
      calls.push({ op: 'release', attemptId })
      leases.delete(attemptId)
    },
    async refund({ attemptId, amountTenge }) {
      calls.push({ op: 'refund', attemptId, amountTenge })
      if (refundsFail) throw new PaymentsError('TERMINAL_UNAVAILABLE')
      return { processId: `refund-${attemptId}-${calls.length}` }
    },
  }

  return {
    pool,
    calls,
    leases,
    /** The customer pays `amountTenge` (default: what was asked) with `productType` (Gold, Red, Credit, …). */
    pay(attemptId: number, productType = 'Gold', amountTenge?: number): TerminalOutcome {
      const amount = amountTenge ?? charges.get(attemptId)
      if (amount === undefined) throw new Error(`attempt ${attemptId} was never started`)
      const outcome: TerminalOutcome = {
        state: 'paid',
        amountTiyn: tenge(0) + BigInt(Math.round(amount * 100)),
        productType,
        transactionId: `kaspi-${attemptId}`,
      }
      outcomes.set(attemptId, outcome)
      leases.delete(attemptId)
      return outcome
    },
    fail(attemptId: number, reason = 'declined'): TerminalOutcome {
      const outcome: TerminalOutcome = { state: 'failed', reason }
      outcomes.set(attemptId, outcome)
      leases.delete(attemptId)
      return outcome
    },
    /** What the terminal was asked to charge for an attempt, in tenge. */
    charged: (attemptId: number) => charges.get(attemptId),
    setOffline(value: boolean) {
      offline = value
    },
    setRefundsFail(value: boolean) {
      refundsFail = value
    },
    /** Holds every start until the returned function is called (a terminal that is slow to show its QR). */
    holdStarts(): () => void {
      let open = () => {}
      gate = new Promise<void>((resolve) => {
        open = resolve
      })
      return () => {
        gate = undefined
        open()
      }
    },
  }
}

export type FakeTerminalPool = ReturnType<typeof createFakeTerminalPool>
