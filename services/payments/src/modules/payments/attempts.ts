import { PaymentsError } from '../../errors.ts'
import type { PaymentMethodRow } from '../methods/repository.ts'
import type { PaymentDeps } from './deps.ts'
import { captureValue, chargeFor, withinTolerance } from './fees.ts'
import { remainingNet, totalsOf } from './ledger.ts'
import { compare, toTiyn, ZERO } from './ratio.ts'
import { type AttemptRow, createPaymentRepository, type PaymentRow } from './repository.ts'
import { recordEvent, withFigures } from './snapshot.ts'
import { paymentStates } from './state.ts'
import type { TerminalOutcome } from './terminal-pool.ts'

/** The answer to /kaspi: what the terminal asks of the customer and how it was computed. */
export interface StartedAttempt {
  payment: PaymentRow
  attempt: AttemptRow
  method: PaymentMethodRow
}

/** What `settleAttempt` did. */
export type Settlement = 'unchanged' | 'captured' | 'failed'

/** Starting attempts on terminals (/kaspi) and applying what terminals report (status checks, the poller). */
export function createAttemptService(deps: PaymentDeps) {
  const { db, clock, methods, pool, events, log, changes } = deps

  /** A live attempt answers a repeated /kaspi for the same method; anything else must wait for it. */
  function reuseOrRefuse(live: AttemptRow | undefined, method: PaymentMethodRow): AttemptRow {
    if (live?.status === 'waiting' && live.methodId === method.id) return live
    throw new PaymentsError('PAYMENT_IN_PROGRESS', undefined, { retry_after_ms: 1000 }, { retryAfterMs: 1000 })
  }

  /** Phase 1: under the payment's lock, the attempt row (the one live attempt) and what it charges. */
  async function open(transactionId: string, method: PaymentMethodRow) {
    return db.transaction(async (tx) => {
      const repo = createPaymentRepository(tx)
      const payment = await repo.byTransactionId(transactionId, true)
      if (!payment) throw new PaymentsError('PAYMENT_NOT_FOUND')
      const now = clock.now()
      if (payment.status === 'processing') {
        return { payment, attempt: reuseOrRefuse(await repo.liveAttempt(payment.id), method), reused: true }
      }
      if (!paymentStates.next(payment.status, 'start') || payment.expiresAt.getTime() <= now.getTime()) {
        throw new PaymentsError('PAYMENT_NOT_PAYABLE', undefined, { status: payment.status })
      }
      const due = remainingNet(payment.amountTiyn, totalsOf(await repo.entries(payment.id)))
      if (compare(due, ZERO) <= 0) throw new PaymentsError('PAYMENT_NOT_PAYABLE', undefined, { status: payment.status })
      const attempt = await repo.insertAttempt(
        {
          paymentId: payment.id,
          methodId: method.id,
          commissionBp: method.commissionBp,
          dueTiyn: toTiyn(due, 'up'),
          chargeTiyn: chargeFor(due, method.commissionBp),
        },
        now,
      )
      if (attempt) return { payment, attempt, reused: false }
      return { payment, attempt: reuseOrRefuse(await repo.liveAttempt(payment.id), method), reused: true }
    })
  }

  /** Frees a terminal after the fact; a failure is logged, the pool's lease timeout frees it anyway. */
  async function release(attemptId: number) {
    await pool.release(attemptId).catch((error) => log.warn({ err: error, attemptId }, 'terminal not released'))
  }

  const service = {
    /**
     * `/kaspi`: the customer chose `methodCode`; the remainder is charged in that method's money, rounded up to whole
     * tenge, on a leased terminal. Concurrent calls on one payment make one attempt (a unique index); the others get
     * the same QR when they ask for the same method, or PAYMENT_IN_PROGRESS.
     */
    async start(transactionId: string, methodCode: string): Promise<StartedAttempt> {
      const method = await methods.byCode(methodCode)
      if (!method) throw new PaymentsError('PAYMENT_METHOD_UNKNOWN', undefined, { payment_method: methodCode })
      const opened = await open(transactionId, method)
      if (opened.reused) return { payment: opened.payment, attempt: opened.attempt, method }
      const { attempt } = opened
      let started: Awaited<ReturnType<typeof pool.start>>
      try {
        started = await pool.start({ attemptId: attempt.id, amountTenge: Number(attempt.chargeTiyn / 100n) })
      } catch (error) {
        // A customer who paid before the QR was read (the pool then keeps the terminal's process as paid) has paid
        // this attempt: that money is applied now and the answer says so. Answered "unavailable" with the payment
        // still pending, they would start another attempt and pay twice.
        const outcome = await pool.check(attempt.id).catch(() => undefined)
        if (outcome?.state === 'paid') {
          await service.settleAttempt(attempt.id, outcome)
          const payment = await createPaymentRepository(db).byId(attempt.paymentId)
          throw new PaymentsError('PAYMENT_NOT_PAYABLE', undefined, { status: payment?.status })
        }
        await db.transaction(async (tx) => {
          await createPaymentRepository(tx).settleAttempt(
            attempt.id,
            'failed',
            clock.now(),
            String(error).slice(0, 500),
          )
        })
        if (PaymentsError.is(error, 'TERMINALS_BUSY') || PaymentsError.is(error, 'TERMINAL_UNAVAILABLE')) throw error
        log.warn({ err: error, attemptId: attempt.id }, 'terminal start failed')
        throw new PaymentsError('TERMINAL_UNAVAILABLE')
      }
      // Phase 2: the payment is processing, unless it was cancelled or expired while the terminal was leased.
      const result = await db.transaction(async (tx) => {
        const repo = createPaymentRepository(tx)
        const payment = await repo.byId(attempt.paymentId, true)
        const to = payment && paymentStates.next(payment.status, 'start')
        const waiting = to ? await repo.attemptWaiting(attempt.id, started) : undefined
        if (!payment || !to || !waiting) {
          await repo.settleAttempt(attempt.id, 'cancelled', clock.now(), 'payment stopped while starting')
          return undefined
        }
        await repo.setStatus(payment.id, to, clock.now())
        return { payment: { ...payment, status: to }, attempt: waiting, method }
      })
      if (!result) {
        await release(attempt.id)
        throw new PaymentsError('PAYMENT_NOT_PAYABLE')
      }
      return result
    },

    /**
     * Applies a terminal's outcome to its attempt and payment, idempotently: a capture is one ledger row per attempt
     * (a unique index), an ended attempt does not end twice. Money reported after a cancel or an expiry is still
     * recorded. Called by GET …/status and by the terminals module's poller.
     */
    async settleAttempt(attemptId: number, outcome: TerminalOutcome): Promise<Settlement> {
      if (outcome.state !== 'paid' && outcome.state !== 'failed') return 'unchanged'
      const used = outcome.state === 'paid' ? await methods.byProductType(outcome.productType) : undefined
      const methodCodes = await methods.codes()
      // The payment whose cached answers this process must forget once the transaction has ended.
      let touched: string | undefined
      const released = await db
        .transaction(async (tx): Promise<Settlement> => {
          const repo = createPaymentRepository(tx)
          const first = await repo.attempt(attemptId)
          if (!first) return 'unchanged'
          const payment = await repo.byId(first.paymentId, true)
          const attempt = await repo.attempt(attemptId)
          if (!payment || !attempt) return 'unchanged'
          touched = payment.transactionId
          const now = clock.now()
          if (outcome.state === 'failed') {
            if (!(await repo.settleAttempt(attempt.id, 'failed', now, outcome.reason.slice(0, 500)))) return 'unchanged'
            if (payment.status !== 'processing') return 'failed'
            const totals = totalsOf(await repo.entries(payment.id))
            const event = compare(totals.paidNet, ZERO) > 0 ? 'resume' : 'fail'
            const to = paymentStates.expect(payment.status, event)
            await repo.setStatus(payment.id, to, now)
            await recordEvent(events, tx, withFigures({ ...payment, status: to }, totals, attempt), now, methodCodes)
            return 'failed'
          }
          const chosenBp = attempt.commissionBp
          // A product type we do not know is taken as the method chosen: counted at face value, never more.
          const usedBp = used && used.id !== attempt.methodId ? used.commissionBp : chosenBp
          const captured = await repo.addEntry({
            paymentId: payment.id,
            attemptId: attempt.id,
            kind: 'capture',
            methodId: used?.id ?? attempt.methodId,
            grossTiyn: outcome.amountTiyn,
            valueTiyn: captureValue(outcome.amountTiyn, usedBp, chosenBp),
            basisBp: chosenBp,
            terminalReference: outcome.transactionId,
            createdAt: now,
          })
          if (captured === undefined) return 'unchanged'
          if (!(await repo.settleAttempt(attempt.id, 'paid', now))) await repo.attemptPaidLate(attempt.id, now)
          let totals = totalsOf(await repo.entries(payment.id))
          const remaining = remainingNet(payment.amountTiyn, totals)
          const full = withinTolerance(remaining, payment.amountTiyn)
          if (full && compare(remaining, ZERO) > 0 && payment.status !== 'paid') {
            const forgiven = toTiyn(remaining, 'up')
            await repo.addEntry({
              paymentId: payment.id,
              kind: 'write_off',
              grossTiyn: 0n,
              valueTiyn: forgiven,
              createdAt: now,
            })
          } else if (compare(remaining, ZERO) < 0) {
            const excess = toTiyn({ num: -remaining.num, den: remaining.den }, 'down')
            const already = totals.overpaid
            if (excess > already) {
              await repo.addEntry({
                paymentId: payment.id,
                kind: 'overpayment',
                grossTiyn: 0n,
                valueTiyn: excess - already,
                createdAt: now,
              })
            }
          }
          totals = totalsOf(await repo.entries(payment.id))
          const to = paymentStates.next(payment.status, full ? 'capture_full' : 'capture_partial')
          if (!to) {
            log.error({ attemptId, status: payment.status }, 'money captured on a payment that cannot take it')
            return 'captured'
          }
          const paidAt = to === 'paid' && payment.paidAt === null ? now : undefined
          await repo.setStatus(payment.id, to, now, paidAt)
          const updated = { ...payment, status: to, paidAt: payment.paidAt ?? paidAt ?? null }
          await recordEvent(events, tx, withFigures(updated, totals, attempt), now, methodCodes)
          return 'captured'
        })
        .finally(() => {
          if (touched) changes.changed(touched)
        })
      return released
    },

    /** The attempt a processing payment waits on, if it has reached its terminal. */
    async waitingAttempt(transactionId: string): Promise<AttemptRow | undefined> {
      const repo = createPaymentRepository(db)
      const payment = await repo.byTransactionId(transactionId)
      if (payment?.status !== 'processing') return undefined
      const live = await repo.liveAttempt(payment.id)
      return live?.status === 'waiting' ? live : undefined
    },

    release,
  }
  return service
}

export type AttemptService = ReturnType<typeof createAttemptService>
