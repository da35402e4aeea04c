import { MAX_TIYN, type Tiyn } from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'
import { parseAmount } from './amounts.ts'
import type { PaymentDeps } from './deps.ts'
import { type LedgerEntry, totalsOf } from './ledger.ts'
import type { LifecycleService } from './lifecycle.ts'
import { createRefundLedger } from './refund-ledger.ts'
import { createPaymentRepository } from './repository.ts'
import { loadSnapshot, type PaymentSnapshot, recordEvent } from './snapshot.ts'
import { paymentStates } from './state.ts'

/** One refund part: money given back on one capture, through the terminal that took it. */
interface RefundPart {
  entryId: number
  attemptId: number
  grossTiyn: Tiyn
}

/**
 * Refunds, full or partial, several per payment, never above what was captured and not yet given back. The refund
 * rows are written first, under the payment's lock, so concurrent refunds cannot both spend the same money; the
 * terminal is called after the commit (no lock held across it); a part the terminal refuses gets a reversal row.
 */
export function createRefundService(deps: PaymentDeps, lifecycle: LifecycleService) {
  const { db, clock, pool, events, log, methods } = deps

  /** Phase 1: reserve the refund on the newest captures first. */
  async function reserve(sourceId: number, transactionId: string, amount: unknown): Promise<RefundPart[]> {
    return db.transaction(async (tx) => {
      const repo = createPaymentRepository(tx)
      const payment = await lifecycle.findOwn(repo, sourceId, transactionId)
      if (!paymentStates.next(payment.status, 'refund_partial')) {
        throw new PaymentsError('REFUND_NOT_ALLOWED', undefined, { status: payment.status })
      }
      const entries = await repo.entries(payment.id)
      const totals = totalsOf(entries)
      const refundable = [...totals.refundable.values()].reduce((sum, left) => sum + left, 0n)
      if (refundable <= 0n) throw new PaymentsError('REFUND_NOT_ALLOWED', undefined, { status: payment.status })
      const wanted = amount === undefined || amount === null ? refundable : parseAmount(amount, MAX_TIYN)
      if (wanted > refundable) {
        throw new PaymentsError('REFUND_AMOUNT_TOO_LARGE', undefined, { refundable: Number(refundable) / 100 })
      }
      const captures = entries.filter((e): e is LedgerEntry & { attemptId: number } => e.kind === 'capture').reverse()
      const parts: RefundPart[] = []
      let left = wanted
      const now = clock.now()
      for (const capture of captures) {
        const available = totals.refundable.get(capture.id) ?? 0n
        if (left === 0n || available <= 0n) continue
        const gross = available < left ? available : left
        const entryId = await repo.addEntry({
          paymentId: payment.id,
          attemptId: capture.attemptId,
          kind: 'refund',
          methodId: capture.methodId,
          grossTiyn: gross,
          valueTiyn: gross,
          refersTo: capture.id,
          createdAt: now,
        })
        if (entryId === undefined) throw new Error('refund row refused')
        parts.push({ entryId, attemptId: capture.attemptId, grossTiyn: gross })
        left -= gross
      }
      return parts
    })
  }

  return {
    /**
     * Refunds `amount` (tenge; all that is refundable when absent) of a payment of `sourceId`. Answers the payment
     * afterwards; TERMINAL_UNAVAILABLE when no part could be refunded.
     */
    async refund(sourceId: number, transactionId: string, amount?: unknown): Promise<PaymentSnapshot> {
      // A malformed amount is refused before anything is locked or written.
      if (amount !== undefined && amount !== null) parseAmount(amount, MAX_TIYN)
      const parts = await reserve(sourceId, transactionId, amount)
      const failed: unknown[] = []
      for (const part of parts) {
        let processId: string
        try {
          const amountTenge = Number(part.grossTiyn) / 100
          ;({ processId } = await pool.refund({ attemptId: part.attemptId, amountTenge, entryId: part.entryId }))
        } catch (error) {
          failed.push(error)
          log.warn({ err: error, attemptId: part.attemptId }, 'terminal refund failed')
          await db.transaction(async (tx) => {
            const repo = createPaymentRepository(tx)
            const payment = await lifecycle.find(repo, transactionId, true)
            await repo.addEntry({
              paymentId: payment.id,
              attemptId: part.attemptId,
              kind: 'refund_reversal',
              grossTiyn: part.grossTiyn,
              valueTiyn: part.grossTiyn,
              refersTo: part.entryId,
              createdAt: clock.now(),
            })
          })
          continue
        }
        // The terminal gave the money back: its id of the refund goes on the row for the reconciliation
        // (refund-ledger.ts says why only now). A failure here leaves the row unmatched there, never reversed.
        await createRefundLedger(db)
          .setReference(part.entryId, processId)
          .catch((error) => log.warn({ err: error, entryId: part.entryId }, 'refund reference not recorded'))
      }
      const methodCodes = await methods.codes()
      const snapshot = await db.transaction(async (tx) => {
        const repo = createPaymentRepository(tx)
        const payment = await lifecycle.find(repo, transactionId, true)
        const totals = totalsOf(await repo.entries(payment.id))
        if (failed.length === parts.length) return loadSnapshot(repo, payment)
        const left = [...totals.refundable.values()].reduce((sum, value) => sum + value, 0n)
        const to = paymentStates.next(payment.status, left === 0n ? 'refund_full' : 'refund_partial')
        if (!to) return loadSnapshot(repo, payment)
        const now = clock.now()
        await repo.setStatus(payment.id, to, now)
        const changed = await loadSnapshot(repo, { ...payment, status: to })
        await recordEvent(events, tx, changed, now, methodCodes)
        return changed
      })
      if (parts.length > 0 && failed.length === parts.length) {
        const first = failed[0]
        if (PaymentsError.is(first, 'TERMINAL_UNAVAILABLE') || PaymentsError.is(first, 'TERMINALS_BUSY')) throw first
        throw new PaymentsError('TERMINAL_UNAVAILABLE')
      }
      return snapshot
    },
  }
}

export type RefundService = ReturnType<typeof createRefundService>
