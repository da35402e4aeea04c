import type { Tiyn } from '@kokdala/core'
import { netOf } from './fees.ts'
import { add, compare, type Ratio, ratio, scale, sub, ZERO } from './ratio.ts'

export type EntryKind = 'capture' | 'refund' | 'refund_reversal' | 'write_off' | 'overpayment'

/** A row of the append-only ledger (table payment_entry), as the totals need it. */
export interface LedgerEntry {
  id: number
  kind: EntryKind
  attemptId: number | null
  methodId: number | null
  grossTiyn: Tiyn
  valueTiyn: Tiyn
  basisBp: number
  refersTo: number | null
}

/** A payment's totals, all derived from its ledger rows. */
export interface Totals {
  /** Money the terminals took (gross), and money given back (refunds not reversed). */
  capturedGross: Tiyn
  refundedGross: Tiyn
  /** What captures are worth to the merchant, exactly, and what refunds took back of it. */
  capturedNet: Ratio
  refundedNet: Ratio
  /** capturedNet − refundedNet. */
  paidNet: Ratio
  writtenOff: Tiyn
  overpaid: Tiyn
  /** Per capture row id: gross that may still be refunded. */
  refundable: Map<number, Tiyn>
  /** The method of the newest capture: what the customer actually paid with last (null before any capture). */
  lastCaptureMethodId: number | null
}

/**
 * Sums a payment's ledger. A refund takes back its share of the capture it refers to: r of a capture of gross g
 * and net n is r × n / g net. A reversal cancels the refund it refers to.
 */
export function totalsOf(entries: readonly LedgerEntry[]): Totals {
  const captures = new Map<number, LedgerEntry>()
  const reversed = new Set<number>()
  for (const entry of entries) {
    if (entry.kind === 'capture') captures.set(entry.id, entry)
    if (entry.kind === 'refund_reversal' && entry.refersTo !== null) reversed.add(entry.refersTo)
  }
  let capturedGross = 0n
  let refundedGross = 0n
  let capturedNet = ZERO
  let refundedNet = ZERO
  let writtenOff = 0n
  let overpaid = 0n
  const refundable = new Map<number, Tiyn>()
  let lastCaptureMethodId: number | null = null
  const captureNet = (c: LedgerEntry) => netOf(ratio(c.valueTiyn), c.basisBp)
  for (const entry of entries) {
    switch (entry.kind) {
      case 'capture':
        capturedGross += entry.grossTiyn
        capturedNet = add(capturedNet, captureNet(entry))
        refundable.set(entry.id, (refundable.get(entry.id) ?? 0n) + entry.grossTiyn)
        // Entries come in id order, so the last capture seen is the newest.
        lastCaptureMethodId = entry.methodId ?? lastCaptureMethodId
        break
      case 'refund': {
        if (reversed.has(entry.id)) break
        const capture = entry.refersTo === null ? undefined : captures.get(entry.refersTo)
        if (!capture || capture.grossTiyn === 0n) throw new Error(`refund ${entry.id} refers to no capture`)
        refundedGross += entry.grossTiyn
        refundedNet = add(refundedNet, scale(captureNet(capture), entry.grossTiyn, capture.grossTiyn))
        refundable.set(capture.id, (refundable.get(capture.id) ?? 0n) - entry.grossTiyn)
        break
      }
      case 'write_off':
        writtenOff += entry.valueTiyn
        break
      case 'overpayment':
        overpaid += entry.valueTiyn
        break
      case 'refund_reversal':
        break
    }
  }
  return {
    capturedGross,
    refundedGross,
    capturedNet,
    refundedNet,
    paidNet: sub(capturedNet, refundedNet),
    writtenOff,
    overpaid,
    refundable,
    lastCaptureMethodId,
  }
}

/** What is still owed, net: amount − paid − written off (negative when overpaid). */
export function remainingNet(amount: Tiyn, totals: Totals): Ratio {
  return sub(sub(ratio(amount), totals.paidNet), ratio(totals.writtenOff))
}

/** Whether nothing is owed any more. */
export function isSettled(amount: Tiyn, totals: Totals): boolean {
  return compare(remainingNet(amount, totals), ZERO) <= 0
}
