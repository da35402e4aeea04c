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
  return {
    init: lifecycle.init,
    get: lifecycle.get,
    check: lifecycle.check,
    cancel: lifecycle.cancel,
    expireDue: lifecycle.expireDue,
    startAttempt: attempts.start,
    settleAttempt: attempts.settleAttempt,
    refund: refunds.refund,
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
