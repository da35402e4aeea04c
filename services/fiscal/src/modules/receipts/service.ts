import {
  type Clock,
  type Database,
  type JobRun,
  parseTengeNumber,
  type Queryable,
  RetryLater,
  type Tiyn,
} from '@kokdala/core'
import { MAX_AMOUNT_TIYN, type PaymentType, type WebkassaClient } from '@kokdala/webkassa'
import { FiscalError } from '../../errors.ts'
import { contentToJson } from './content-json.ts'
import { type FiscalFacts, returnBasis } from './fiscal-facts.ts'
import type { ReceiptJobs } from './jobs.ts'
import { type PaymentEventBody, planReceipts, RETURN_EVENTS, SALE_EVENTS } from './mapping.ts'
import { apiNumber, isReceiptableTransactionId } from './numbers.ts'
import { assertBalanced, checkRequest, type ReceiptContent, totalOf } from './receipt.ts'
import type { TokenSession } from './recovery.ts'
import { OPEN_STATUSES, type ReceiptRepository, type ReceiptRow, type SendContext } from './repository.ts'
import { type OpenShift, type SendResult, sendReceipt } from './sender.ts'
import type { ShiftKeeper } from './shifts.ts'
import { type ReceiptEvent, type ReceiptStatus, receiptMachine } from './state.ts'

/**
 * Delays before each further round of a receipt that did not go through (5 s … 1 h, about 4.5 h in all); after the
 * last, the receipt needs a person and its cashbox's queue moves on. Data, not code (research §3.3 backoff).
 */
export const RECEIPT_RETRY_MS = [
  5_000, 15_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
]
/** How often a parked cashbox's head receipt asks Webkassa again (code 18 ends when the OFD link is back). */
export const PARK_PROBE_MS = 5 * 60_000
/** Scheduled Z report: a shift this old is closed by the cashbox's queue, well before Webkassa's 24 h limit. */
export const SCHEDULED_Z_AFTER_MS = 23 * 3_600_000

export interface ReceiptServiceDeps {
  db: Database
  clock: Clock
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  repo: ReceiptRepository
  /** The Webkassa client and the tokens module's session; without them receipts wait in their queues. */
  client?: WebkassaClient
  session?: TokenSession
  /** Present exactly when the client and the session are. */
  shifts?: ShiftKeeper
  jobs: ReceiptJobs
  cashboxes: readonly string[]
  vatPercent: number
  paymentTypeOf(method: string | null): PaymentType
  retryScheduleMs?: readonly number[]
  parkProbeMs?: number
  scheduledZAfterMs?: number
}

/** A receipt asked for through `POST /api/receipts`. */
export interface ApiReceiptInput {
  externalId: string
  lines: ReceiptContent['lines']
  payments: ReceiptContent['payments']
}

const DONE: readonly ReceiptStatus[] = ['fiscalized', 'failed', 'needs_attention']

/**
 * What a receipt's run passes to the next one on its cashbox (`JobRun.pass`): the cashbox's open shift as the send
 * left it, when it changed while the next receipt was already prepared (the queue is pipelined).
 */
interface ShiftHandover {
  openShift: OpenShift | null
}

function factsOfRow(row: ReceiptRow): FiscalFacts {
  return {
    checkNumber: row.checkNumber ?? '',
    dateTime: row.fiscalTime ?? '',
    shiftNumber: row.shiftNumber ?? 0,
    checkOrderNumber: row.checkOrderNumber,
    offline: row.offline === true,
    ticketUrl: row.ticketUrl,
    registrationNumber: row.registrationNumber,
    totalTiyn: row.totalTiyn,
  }
}

/** An event's amount as tiyn: 0 up to the most one receipt may hold, else 400 (no receipt could ever show it). */
function amount(value: number, field: string): Tiyn {
  try {
    const tiyn = parseTengeNumber(value)
    if (tiyn < 0n || tiyn > MAX_AMOUNT_TIYN) throw new RangeError('out of range')
    return tiyn
  } catch {
    throw new FiscalError('PAYMENT_EVENT_INVALID', undefined, { field })
  }
}

/**
 * Receipts: payments events and API requests become stored receipts queued on a cashbox, in one transaction each;
 * the cashbox's queue sends them one at a time (`process`), exactly once whatever fails.
 */
export function createReceiptService(deps: ReceiptServiceDeps) {
  const { db, clock, repo, jobs, cashboxes } = deps
  const schedule = deps.retryScheduleMs ?? RECEIPT_RETRY_MS
  const parkProbeMs = deps.parkProbeMs ?? PARK_PROBE_MS
  const settings = { vatPercent: deps.vatPercent, paymentTypeOf: deps.paymentTypeOf }

  function requireCashboxes(): void {
    if (cashboxes.length === 0) throw new FiscalError('NO_CASHBOX')
  }

  /**
   * The configured cashboxes exist as rows (receipts and reports refer to them): registered once per process, not
   * once per request; a failed registration is tried again by the next caller.
   */
  let registered: Promise<void> | undefined
  function cashboxesRegistered(): Promise<void> {
    registered ??= repo.ensureCashboxes(db, cashboxes, clock.now()).catch((error) => {
      registered = undefined
      throw error
    })
    return registered
  }

  /** Moves the receipt by `event` (checked against the state machine) with `set`; null event keeps the status. */
  async function settle(
    row: ReceiptRow,
    from: ReceiptStatus,
    event: ReceiptEvent | null,
    set: Record<string, unknown>,
  ) {
    const to = event === null ? from : receiptMachine.expect(from, event)
    const moved = await repo.move(row.id, from, to, set, clock.now())
    if (!moved) throw new Error(`receipt ${row.id} left ${from} while its job ran`)
    return to
  }

  /** A further round later, or a person once the schedule is spent: the queue never stalls on one receipt. */
  async function again(
    row: ReceiptRow,
    from: ReceiptStatus,
    stay: ReceiptEvent | null,
    reason: string,
    code: number | null,
  ) {
    const failures = row.failures + 1
    if (failures > schedule.length) {
      const event: ReceiptEvent = from === 'pending' ? 'block' : 'give_up'
      const to = from === 'sending' || from === 'recovering' || from === 'pending' ? event : null
      await settle(row, from, to, {
        failures,
        last_error: `gave up after ${failures} rounds: ${reason}`,
        last_error_code: code,
      })
      deps.log.warn({ receipt: row.id, cashbox: row.cashbox, reason }, 'receipt needs attention')
      return
    }
    await settle(row, from, stay, { failures, last_error: reason, last_error_code: code })
    throw new RetryLater(schedule[failures - 1], reason)
  }

  /** A round that did not go through (one that did is written with its job's settling, in `process`). */
  async function record(
    row: ReceiptRow,
    from: ReceiptStatus,
    result: Exclude<SendResult, { kind: 'fiscalized' }>,
  ): Promise<void> {
    const now = clock.now()
    switch (result.kind) {
      case 'mismatch':
        await settle(row, from, 'mismatch', {
          ...repo.factsColumns(result.facts, 'duplicate', now),
          fiscalized_at: null,
          last_error: result.reason,
        })
        deps.log.warn({ receipt: row.id, cashbox: row.cashbox }, 'receipt total differs at Webkassa')
        return
      case 'uncertain':
        return again(row, from, from === 'sending' ? 'lose' : null, result.reason, null)
      case 'retry':
        return again(row, from, from === 'sending' ? 'defer' : null, result.reason, null)
      case 'park': {
        await settle(row, from, from === 'sending' ? 'defer' : null, {
          last_error: result.reason,
          last_error_code: result.code,
        })
        await repo.park(row.cashbox, result.code, result.reason, now)
        deps.log.warn({ cashbox: row.cashbox, code: result.code }, 'cashbox parked')
        throw new RetryLater(parkProbeMs, `cashbox parked: ${result.reason}`)
      }
      case 'failed':
        await settle(row, from, 'refuse', { last_error: result.reason, last_error_code: result.code })
        deps.log.warn({ receipt: row.id, cashbox: row.cashbox, code: result.code }, 'receipt refused by Webkassa')
        return
    }
  }

  /**
   * A refund delivered before its payment's sale left a return blocked without an original; once a sale of the
   * payment is stored (the late paid event), each such return that fits what is left of a sale gets it as its
   * original and is queued behind it, instead of waiting for a person while the sale alone is fiscalized.
   */
  async function attachBasislessReturns(tx: Queryable, transactionId: string, now: Date) {
    const blocked = await repo.basislessReturns(tx, transactionId)
    if (blocked.length === 0) return []
    const sales = await repo.storedSales(tx, transactionId)
    const queued: number[] = []
    for (const ret of blocked) {
      const sale = sales.find((s) => s.totalTiyn - s.returnedTiyn >= ret.totalTiyn)
      if (!sale) continue
      receiptMachine.expect('needs_attention', 'retry')
      await repo.attachReturn(tx, ret.id, sale.id, now)
      await repo.addReturned(tx, sale.id, ret.totalTiyn)
      sale.returnedTiyn += ret.totalTiyn
      // Blocked returns were never queued, so their usual dedupe key is free; the sale was queued just before.
      await jobs.receipt.enqueue(tx, { receiptId: ret.id, cashbox: ret.cashbox }, { dedupeKey: `receipt:${ret.id}` })
      queued.push(ret.id)
    }
    return queued
  }

  return {
    /**
     * A payments event (verified, its message id `webhookId`): recorded once, planned against the payment's
     * progress, its receipts stored and queued on the payment's cashbox — one transaction. A repeated message, or
     * another message announcing the same change, is a duplicate and changes nothing.
     */
    async acceptPaymentEvent(webhookId: string, body: PaymentEventBody & { status: string }) {
      if (!isReceiptableTransactionId(body.transaction_id)) {
        throw new FiscalError('PAYMENT_EVENT_INVALID', undefined, { field: 'transaction_id' })
      }
      const paid = amount(body.paid_amount, 'paid_amount')
      const refunded = amount(body.refunded_amount, 'refunded_amount')
      amount(body.actual_amount_received, 'actual_amount_received')
      amount(body.written_off_amount, 'written_off_amount')
      // Gross received is paid + refunded: within the limit, every receipt of the payment and its progress are too.
      if (paid + refunded > MAX_AMOUNT_TIYN) {
        throw new FiscalError('PAYMENT_EVENT_INVALID', undefined, { field: 'paid_amount + refunded_amount' })
      }
      const moves = [...SALE_EVENTS, ...RETURN_EVENTS] as readonly string[]
      if (moves.includes(body.event)) requireCashboxes()
      const now = clock.now()
      if (moves.includes(body.event)) await cashboxesRegistered()
      return db.transaction(async (tx) => {
        const fresh = await repo.recordEvent(tx, {
          webhookId,
          transactionId: body.transaction_id,
          event: body.event,
          status: body.status,
          paidTiyn: paid,
          refundedTiyn: refunded,
          now,
        })
        if (!fresh) {
          // The same id with another event is the sender's bug: a silent duplicate would lose that event's money.
          const earlier = await repo.findEvent(tx, webhookId)
          if (
            earlier &&
            (earlier.transactionId !== body.transaction_id ||
              earlier.event !== body.event ||
              earlier.status !== body.status ||
              earlier.paidTiyn !== paid ||
              earlier.refundedTiyn !== refunded)
          ) {
            throw new FiscalError('WEBHOOK_ID_REUSED')
          }
          return { duplicate: true, receipts: [] as number[] }
        }
        if (!moves.includes(body.event)) return { duplicate: false, receipts: [] as number[] }
        const { cashbox, progress } = await repo.lockPayment(
          tx,
          body.transaction_id,
          () => repo.leastLoaded(tx, cashboxes),
          now,
        )
        const sales = (RETURN_EVENTS as readonly string[]).includes(body.event)
          ? await repo.storedSales(tx, body.transaction_id)
          : []
        let plan: ReturnType<typeof planReceipts>
        try {
          plan = planReceipts(body, progress, sales, settings)
        } catch (error) {
          throw new FiscalError('PAYMENT_EVENT_INVALID', undefined, { reason: (error as Error).message })
        }
        const ids: number[] = []
        for (const receipt of plan.receipts) {
          const blocked = receipt.kind === 'sale_return' && receipt.originalId === null
          const { id } = await repo.insertReceipt(
            tx,
            {
              externalNumber: receipt.externalNumber,
              source: 'payment',
              transactionId: body.transaction_id,
              callerId: null,
              cashbox,
              status: blocked ? receiptMachine.expect('pending', 'block') : 'pending',
              content: receipt.content,
              totalTiyn: receipt.totalTiyn,
              commissionTiyn: receipt.kind === 'sale' ? receipt.commissionTiyn : 0n,
              originalId: receipt.kind === 'sale_return' ? receipt.originalId : null,
              lastError: blocked
                ? 'RETURN_BASIS_MISSING: no stored sale receipt of this payment to return against'
                : null,
            },
            now,
          )
          if (receipt.kind === 'sale_return' && receipt.originalId !== null) {
            await repo.addReturned(tx, receipt.originalId, receipt.totalTiyn)
          }
          if (!blocked) await jobs.receipt.enqueue(tx, { receiptId: id, cashbox }, { dedupeKey: `receipt:${id}` })
          ids.push(id)
        }
        ids.push(...(await attachBasislessReturns(tx, body.transaction_id, now)))
        await repo.saveProgress(tx, body.transaction_id, plan.progress, now)
        await repo.setEventReceipts(tx, webhookId, ids.length)
        return { duplicate: false, receipts: ids }
      })
    },

    /**
     * `POST /api/receipts`: a sale receipt by the caller's external id, once. The same id with the same content
     * answers the stored receipt (`created: false`); with other content it is a 409, never a second receipt.
     */
    async createApiReceipt(input: ApiReceiptInput): Promise<{ receipt: ReceiptRow; created: boolean }> {
      requireCashboxes()
      const content: ReceiptContent = { kind: 'sale', lines: input.lines, payments: input.payments }
      try {
        assertBalanced(content)
      } catch (error) {
        throw new FiscalError('RECEIPT_INVALID', (error as Error).message)
      }
      const same = (row: ReceiptRow) =>
        JSON.stringify(contentToJson(row.content)) === JSON.stringify(contentToJson(content))
      const now = clock.now()
      await cashboxesRegistered()
      const outcome = await db
        .transaction(async (tx) => {
          // The common case, a new external id, is one statement (the cashbox chosen inside it) and the enqueue.
          const row = await repo.insertApiReceipt(
            tx,
            {
              externalNumber: apiNumber(input.externalId),
              source: 'api',
              transactionId: null,
              callerId: input.externalId,
              status: 'pending',
              content,
              totalTiyn: totalOf(content),
              commissionTiyn: 0n,
              originalId: null,
              lastError: null,
            },
            cashboxes,
            now,
          )
          if (!row) return undefined
          await jobs.receipt.enqueue(
            tx,
            { receiptId: row.id, cashbox: row.cashbox },
            { dedupeKey: `receipt:${row.id}` },
          )
          return { row, created: true, same: true }
        })
        .then(async (inserted) => {
          if (inserted) return inserted
          // The external id has its receipt (committed, or the insert waited for the one committing it).
          const existing = await repo.findByCaller(db, input.externalId)
          if (!existing) throw new Error(`receipt of external id ${input.externalId} neither inserted nor found`)
          return { row: existing, created: false, same: same(existing) }
        })
      if (!outcome.same) throw new FiscalError('RECEIPT_CONFLICT')
      return { receipt: outcome.row, created: outcome.created }
    },

    /**
     * One round of a receipt, on its cashbox's queue: a return gets its basis from the stored original, a receipt
     * whose last send is in doubt is looked up first, then it is sent (sender.ts) and the outcome recorded. With the
     * job's `run`, the receipt comes as loaded at the claim (read here when the claim could not load it), and a
     * receipt that went through is recorded in the job's settling statement (one commit for every cashbox settling
     * together); a crash before that commit leaves it `sending`, which the next round looks up.
     */
    async process(receiptId: number, run: JobRun): Promise<void> {
      const context = run.prepared as SendContext | undefined
      const row = context?.row ?? (await repo.find(receiptId))
      if (!row || DONE.includes(row.status)) return
      const { client, session, shifts } = deps
      if (!client || !session || !shifts) throw new RetryLater(60_000, 'Webkassa client or session not wired')
      // Marked `sending` by this run's claim (a pending sale): its attempt is open, the send comes next.
      const marked = context?.markedAttempt
      let from: ReceiptStatus = marked === undefined ? row.status : 'sending'
      // `sending` at the start of a round: the process died after the request may have left. Look it up.
      if (from === 'sending' && marked === undefined) {
        await repo.closeOpenAttempts(row.id, 'lost', 'the process ended before the answer was recorded', clock.now())
        from = await settle(row, from, 'lose', {})
      }
      let basis: ReturnType<typeof returnBasis> | undefined
      if (row.kind === 'sale_return') {
        const original = row.originalId === null ? undefined : await repo.find(row.originalId)
        if (original && OPEN_STATUSES.includes(original.status)) {
          throw new RetryLater(schedule[0], 'the original sale is not fiscalized yet')
        }
        if (original?.status !== 'fiscalized' || !original.checkNumber) {
          const reason = `RETURN_BASIS_MISSING: the original sale is ${original ? original.status : 'missing'}`
          await settle(row, from, from === 'pending' ? 'block' : 'give_up', { last_error: reason })
          return
        }
        basis = returnBasis(factsOfRow(original), original.totalTiyn)
      }
      let request: ReturnType<typeof checkRequest>
      try {
        request = checkRequest(row.content, row.cashbox, row.externalNumber, basis)
      } catch (error) {
        // Content Webkassa can never take (stored before a check existed, or edited by hand): a person's, at once.
        // Thrown on, it would fail the job round after round and hold up every receipt behind it on the cashbox.
        const reason = `RECEIPT_INVALID: ${(error as Error).message}`
        if (marked !== undefined) await repo.finishAttempt(row.id, marked, 'failed', reason, clock.now())
        await settle(row, from, from === 'pending' ? 'block' : 'give_up', { last_error: reason })
        deps.log.warn({ receipt: row.id, cashbox: row.cashbox }, 'stored receipt cannot be sent')
        return
      }
      let attempt = 0
      let current: ReceiptStatus = from
      let opened = marked
      const result = await sendReceipt(
        { client, session, shifts: shifts.port, now: () => clock.now() },
        {
          cashbox: row.cashbox,
          externalNumber: row.externalNumber,
          request,
          totalTiyn: row.totalTiyn,
          uncertain: from === 'recovering',
          // Prepared while the receipt before it was at Webkassa: that one's shift changes came after.
          openShift: run.passed !== undefined ? (run.passed as ShiftHandover).openShift : context?.openShift,
          markSending: async () => {
            if (opened !== undefined) {
              // The claim marked it; the first send goes out on that attempt.
              attempt = opened
              opened = undefined
              return
            }
            if (attempt > 0)
              await repo.finishAttempt(row.id, attempt, 'replayed', 'code 11: Z report, then again', clock.now())
            attempt = await repo.markSending(row.id, current, clock.now())
            current = 'sending'
          },
        },
      )
      if (result.openShift !== undefined) run.pass({ openShift: result.openShift } satisfies ShiftHandover)
      const now = clock.now()
      const error = 'reason' in result ? result.reason : null
      if (result.kind === 'fiscalized') {
        const event: ReceiptEvent = current === 'recovering' ? 'found' : 'accept'
        receiptMachine.expect(current, event)
        if (attempt > 0) run.settleWith(repo.attemptFinishedWrite(row.id, attempt, result.kind, error, now))
        run.settleWith(repo.fiscalizedWrite(row.id, current, result.facts, result.via, now))
        if (context?.parked !== false) await repo.unpark(row.cashbox, now)
        return
      }
      if (attempt > 0) await repo.finishAttempt(row.id, attempt, result.kind, error, now)
      await record(row, current, result)
    },

    /** Runs a report job: an X report asked for, or a scheduled Z report if its shift is still open. */
    async runReport(payload: { cashbox: string; kind: 'x' | 'z'; reportId?: number; shiftNumber?: number }) {
      const { shifts } = deps
      if (!shifts) throw new RetryLater(60_000, 'Webkassa client or session not wired')
      if (payload.kind === 'x') {
        if (payload.reportId) await shifts.xReport(payload.cashbox, payload.reportId)
        return
      }
      const open = await repo.openShift(payload.cashbox)
      if (payload.shiftNumber !== undefined && open?.shiftNumber !== payload.shiftNumber) return
      const step = await shifts.zReport(payload.cashbox, 'scheduled')
      if (step.kind === 'park') {
        await repo.park(payload.cashbox, step.code, step.reason, clock.now())
        throw new RetryLater(parkProbeMs, step.reason)
      }
      if (step.kind === 'retry') throw new RetryLater(schedule[2] ?? 60_000, step.reason)
    },

    /** Queues a Z report for every shift about to reach the limit (the scheduled task; idempotent per shift). */
    async scheduleZReports(): Promise<number> {
      const before = new Date(clock.now().getTime() - (deps.scheduledZAfterMs ?? SCHEDULED_Z_AFTER_MS))
      const aging = await repo.agingShifts(before)
      for (const shift of aging) {
        await db.transaction((tx) =>
          jobs.report.enqueue(
            tx,
            { cashbox: shift.cashbox, kind: 'z', shiftNumber: shift.shiftNumber },
            { dedupeKey: `z:${shift.cashbox}:${shift.shiftNumber}` },
          ),
        )
      }
      return aging.length
    },

    /** `POST /api/cashboxes/{znk}/x-report`: a report row and its job on the cashbox's queue. */
    async requestXReport(cashbox: string): Promise<number> {
      if (!cashboxes.includes(cashbox)) throw new FiscalError('CASHBOX_NOT_FOUND')
      const now = clock.now()
      await cashboxesRegistered()
      return db.transaction(async (tx) => {
        const id = await repo.insertReport(tx, cashbox, 'x', 'request', now)
        await jobs.report.enqueue(tx, { cashbox, kind: 'x', reportId: id }, { dedupeKey: `x:${id}` })
        return id
      })
    },

    /** The configured cashboxes' queues, parking, shifts and offline state (status page, `GET /api/cashboxes`). */
    async cashboxes() {
      const now = clock.now().getTime()
      return (await repo.cashboxStatus(cashboxes)).map((c) => ({
        ...c,
        shiftAgeMs: c.shiftOpenedAt ? now - new Date(c.shiftOpenedAt).getTime() : null,
      }))
    },

    /** A report asked for or made on a cashbox. */
    async report(cashbox: string, id: number) {
      const report = await repo.report(id)
      if (!report || report.cashbox !== cashbox) throw new FiscalError('REPORT_NOT_FOUND')
      return report
    },

    async get(id: number) {
      const receipt = await repo.find(id)
      if (!receipt) throw new FiscalError('RECEIPT_NOT_FOUND')
      return { receipt, attempts: await repo.attempts([id]) }
    },

    async list(filter: { transactionId?: string; status?: ReceiptStatus; limit: number }) {
      const receipts = await repo.list(filter)
      const attempts = await repo.attempts(receipts.map((r) => r.id))
      return receipts.map((receipt) => ({ receipt, attempts: attempts.filter((a) => a.receiptId === receipt.id) }))
    },

    /**
     * `POST /api/receipts/{id}/retry`: a person gives a `needs_attention` or `failed` receipt another go, with its
     * failures reset, queued again on its cashbox under the same external number (Webkassa's idempotency key).
     * Status change and job in one transaction; the row is locked, so of concurrent retries one re-queues and the
     * rest find it no longer retryable.
     */
    async retry(id: number): Promise<ReceiptRow> {
      const now = clock.now()
      await db.transaction(async (tx) => {
        const found = await repo.lockForRetry(tx, id)
        if (!found) throw new FiscalError('RECEIPT_NOT_FOUND')
        const { row, originalStatus, maybeSent } = found
        if (row.status !== 'needs_attention' && row.status !== 'failed') {
          throw new FiscalError('RECEIPT_NOT_RETRYABLE', undefined, { status: row.status })
        }
        if (row.kind === 'sale_return' && originalStatus !== 'fiscalized') {
          throw new FiscalError('RETURN_BASIS_MISSING', undefined, {
            original_receipt_id: row.originalId,
            original_status: originalStatus,
          })
        }
        // Not `pending` when a request of this receipt may have reached Webkassa (an attempt open, lost, uncertain
        // or a mismatch): a `pending` receipt is sent without a lookup, and the scope of Webkassa's duplicate check
        // (14) is unverified (docs/design/fiscal.md), so the design never leans on it alone. `recovering` is what a
        // lost answer gets: the number is looked up first (current and previous shift) and sent again — the same
        // number — only if Webkassa does not hold it. A receipt whose every request was answered "not taken"
        // (DEFINITE_NO_ATTEMPT) or that never left goes to `pending`, as after a `defer`.
        const to = receiptMachine.expect(row.status, maybeSent ? 'recheck' : 'retry')
        if (!(await repo.retry(tx, id, row.status, to, now))) throw new FiscalError('RECEIPT_NOT_RETRYABLE')
        // The receipt's job is keyed `receipt:<id>`: re-armed, not a second one, and behind its cashbox's queue.
        await jobs.receipt.enqueueKeyed(tx, `receipt:${id}`, { receiptId: id, cashbox: row.cashbox })
      })
      const receipt = await repo.find(id)
      if (!receipt) throw new Error(`receipt ${id} vanished`)
      deps.log.info({ receipt: id, cashbox: receipt.cashbox, status: receipt.status }, 'receipt retried by a person')
      return receipt
    },
  }
}

export type ReceiptService = ReturnType<typeof createReceiptService>
