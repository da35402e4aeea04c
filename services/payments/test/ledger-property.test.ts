import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AppError, tenge } from '@kokdala/core'
import { toleranceOf } from '../src/modules/payments/fees.ts'
import { remainingNet, totalsOf } from '../src/modules/payments/ledger.ts'
import { compare, ratio, ZERO } from '../src/modules/payments/ratio.ts'
import { createPaymentRepository } from '../src/modules/payments/repository.ts'
import { type StartedPayments, startPayments } from './harness.ts'

/** mulberry32: a seeded PRNG, so a failing sequence is reproduced by its seed. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  }
}

const METHODS = ['kaspi_gold', 'kaspi_red', 'kaspi_kredit', 'kaspi_rassrochka'] as const
const PRODUCTS = ['Gold', 'Red', 'Credit', 'Installment', 'Loan'] as const
const SEED = Number(process.env.PROPERTY_SEED ?? 20260113)

/**
 * Random sequences of operations — attempts paid with random methods and amounts, partial payments, top-ups,
 * declines, refunds (some refused by the terminal), cancels and write-offs — and after every step the totals must
 * add up: the ledger's gross equals what the terminals reported, refunds never exceed captures, the shown amounts
 * are consistent, and the status agrees with the money.
 */
describe('ledger totals always add up', () => {
  let t: StartedPayments
  let sourceId: number
  const reached = new Set<string>()

  before(async () => {
    t = await startPayments({}, { terminals: 1_000 })
    sourceId = (await t.services.sources.createToken('property')).source.id
  })
  after(() => t.close())

  test(`random operation sequences (seed ${SEED})`, async () => {
    const random = prng(SEED)
    const { payments } = t.services
    for (let round = 0; round < 25; round++) {
      const amountTiyn = BigInt(random.int(1, 30_000_000))
      const created = await payments.init(sourceId, { amount: Number(amountTiyn) / 100 })
      const id = created.payment.transactionId
      let terminalGross = 0n
      let refundedGross = 0n
      for (let step = 0; step < 12; step++) {
        const op = random.pick(['attempt', 'attempt', 'attempt', 'refund', 'cancel', 'fail'] as const)
        const context = `seed ${SEED}, round ${round}, step ${step}, ${op}`
        try {
          if (op === 'attempt' || op === 'fail') {
            const started = await payments.startAttempt(id, random.pick(METHODS))
            const attemptId = started.attempt.id
            const charged = Number(started.attempt.chargeTiyn) / 100
            if (op === 'fail') {
              await payments.settleAttempt(attemptId, t.terminals.fail(attemptId))
            } else {
              // Exactly what was asked, a part of it, a little less (within tolerance), or more.
              const shape = random.pick(['exact', 'part', 'near', 'more'] as const)
              const paid =
                shape === 'exact'
                  ? charged
                  : shape === 'part'
                    ? Math.max(1, Math.floor(charged * random.next()))
                    : shape === 'near'
                      ? Math.max(1, charged - random.int(0, 600))
                      : charged + random.int(1, 1000)
              const outcome = t.terminals.pay(attemptId, random.pick(PRODUCTS), paid)
              await payments.settleAttempt(attemptId, outcome)
              // Applying it again is a no-op, as when the poller and a status check both see it.
              assert.equal(await payments.settleAttempt(attemptId, outcome), 'unchanged', context)
              terminalGross += tenge(paid)
            }
          } else if (op === 'refund') {
            const fails = random.next() < 0.2
            t.terminals.setRefundsFail(fails)
            const amount = random.next() < 0.3 ? undefined : random.int(1, 60_000)
            const before = (await payments.get(id)).totals.refundedGross
            try {
              await payments.refund(sourceId, id, amount)
            } finally {
              t.terminals.setRefundsFail(false)
            }
            refundedGross += (await payments.get(id)).totals.refundedGross - before
            assert.ok(!fails, `${context}: a refused refund must throw`)
          } else {
            await payments.cancel(sourceId, id)
          }
        } catch (error) {
          // Refusals are part of the game (not payable, nothing to refund, too much, terminal refused); bugs are not.
          if (!(error instanceof AppError) || error.code === 'INTERNAL') throw error
          assert.ok((await t.services.payments.get(id)) !== undefined, context)
        }
        await checkInvariants(id, amountTiyn, terminalGross, refundedGross, context)
      }
    }
    // The sequences must reach every kind of state, or the invariants above checked little.
    for (const status of ['paid', 'partially_paid', 'refunded', 'partially_refunded', 'cancelled', 'failed']) {
      assert.ok(reached.has(status), `no step reached ${status}: ${[...reached].join(', ')}`)
    }
    const kinds = await t.db.query<{ kind: string }>('SELECT DISTINCT kind FROM payment_entry')
    const written = new Set(kinds.rows.map((row) => row.kind))
    for (const kind of ['capture', 'refund', 'refund_reversal', 'write_off', 'overpayment']) {
      assert.ok(written.has(kind), `no ${kind} row was written`)
    }
  })

  async function checkInvariants(
    id: string,
    amount: bigint,
    terminalGross: bigint,
    refundedGross: bigint,
    context: string,
  ) {
    const repo = createPaymentRepository(t.db)
    const payment = (await repo.byTransactionId(id))!
    const entries = await repo.entries(payment.id)
    const totals = totalsOf(entries)
    const snapshot = await t.services.payments.get(id)
    const { figures } = snapshot
    assert.equal(totals.capturedGross, terminalGross, `${context}: captured gross = what terminals reported`)
    assert.equal(totals.refundedGross, refundedGross, `${context}: refunded gross = refunds the terminal accepted`)
    assert.ok(totals.refundedGross <= totals.capturedGross, `${context}: refunded ≤ captured`)
    for (const left of totals.refundable.values()) assert.ok(left >= 0n, `${context}: a capture over-refunded`)
    assert.ok(compare(totals.paidNet, ZERO) >= 0, `${context}: paid ≥ 0`)
    assert.ok(figures.remainingAmount >= 0n && figures.paidAmount >= 0n, `${context}: shown amounts ≥ 0`)
    assert.ok(totals.writtenOff <= toleranceOf(amount), `${context}: a write-off stays within the tolerance`)
    const remaining = remainingNet(amount, totals)
    reached.add(payment.status)
    switch (payment.status) {
      case 'paid':
        assert.ok(compare(remaining, ZERO) <= 0, `${context}: paid with money owed`)
        assert.equal(figures.remainingAmount, 0n, context)
        break
      case 'partially_paid':
        assert.ok(compare(totals.capturedNet, ZERO) > 0, `${context}: partially paid with nothing captured`)
        assert.ok(compare(remaining, ratio(toleranceOf(amount))) > 0, `${context}: partially paid within tolerance`)
        break
      case 'pending':
      case 'failed':
      case 'processing':
      case 'cancelled':
        assert.equal(totals.capturedGross, 0n, `${context}: ${payment.status} holding money`)
        break
      case 'refunded':
        assert.equal(totals.refundedGross, totals.capturedGross, `${context}: refunded with money left`)
        break
      case 'partially_refunded':
        assert.ok(totals.refundedGross > 0n && totals.refundedGross < totals.capturedGross, context)
        break
      case 'expired':
        break
    }
    if (payment.status === 'pending' || payment.status === 'partially_paid') {
      // Shown paid (rounded down) and remaining (rounded up) add up to the shown amount within a tiyn.
      const gap = figures.amount - figures.paidAmount - figures.remainingAmount
      assert.ok(
        gap >= -1n && gap <= 1n,
        `${context}: ${figures.amount} ≠ ${figures.paidAmount} + ${figures.remainingAmount}`,
      )
    }
  }
})
