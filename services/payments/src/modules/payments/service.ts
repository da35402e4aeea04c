import { createAttemptService } from './attempts.ts'
import type { PaymentDeps } from './deps.ts'
import { createLifecycleService } from './lifecycle.ts'
import { createRefundLedger } from './refund-ledger.ts'
import { createRefundService } from './refunds.ts'
import { createPaymentRepository } from './repository.ts'

export type { PaymentDeps } from './deps.ts'

/**
 * The payments module: payments, their terminal attempts and their ledger, and every status change. What the
 * terminals module's poller calls is `settleAttempt`; the webhooks module receives changes through `PaymentEvents`.
 */
export function createPaymentService(deps: PaymentDeps) {
  const attempts = createAttemptService(deps)
  const lifecycle = createLifecycleService(deps, attempts)
  const refunds = createRefundService(deps, lifecycle)
  /** Runs a change of payment `transactionId`; once it has ended, this process's cached answers for it are dropped. */
  const changing = <R>(transactionId: string, change: Promise<R>): Promise<R> =>
    change.finally(() => deps.changes.changed(transactionId))
  return {
    init: lifecycle.init,
    get: lifecycle.get,
    check: lifecycle.check,
    cancel: (sourceId: number, transactionId: string) =>
      changing(transactionId, lifecycle.cancel(sourceId, transactionId)),
    // Expiry and terminal outcomes tell the feed themselves: only they know which payments they touched.
    expireDue: lifecycle.expireDue,
    startAttempt: (transactionId: string, methodCode: string) =>
      changing(transactionId, attempts.start(transactionId, methodCode)),
    settleAttempt: attempts.settleAttempt,
    refund: (sourceId: number, transactionId: string, amount?: unknown) =>
      changing(transactionId, refunds.refund(sourceId, transactionId, amount)),
    /** What the ledger captured in [from, to), per attempt: the other side of the terminals' reconciliation. */
    async capturedAttempts({ from, to }: { from: Date; to: Date }) {
      const captures = await createPaymentRepository(deps.db).capturesBetween(from, to)
      return captures.map((c) => ({ attemptId: c.attemptId, amountTiyn: c.grossTiyn }))
    },
    /** The ledger's refunds (not reversed): the other side of the terminals' refund transactions. */
    ledgerRefunds: {
      between: ({ from, to }: { from: Date; to: Date }) => createRefundLedger(deps.db).between(from, to),
      byReferences: (references: string[]) => createRefundLedger(deps.db).byReferences(references),
    },
  }
}

export type PaymentService = ReturnType<typeof createPaymentService>
