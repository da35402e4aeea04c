import { setTimeout as sleep } from 'node:timers/promises'
import { type Clock, TtlCache } from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'
import {
  isUnreachable,
  type KaspiRefundMethod,
  type KaspiStatus,
  type KaspiTerminalClient,
  paidAmountTiyn,
  type QrReader,
  type TerminalClientFactory,
  toPaymentUrl,
} from './client.ts'
import type { ProcessOutcome, ProcessRow, TerminalAddress, TerminalRepository } from './repository.ts'

/** What the terminal says of an attempt (notes/payments-decisions.md). */
export type TerminalOutcome =
  | { state: 'waiting' }
  | { state: 'paid'; amountTiyn: bigint; productType: string; loanTerm?: number; transactionId: string }
  | { state: 'failed'; reason: string }
  | { state: 'unknown' }

/** The pool of Kaspi terminals as the payments module uses it (notes/payments-decisions.md). */
export interface TerminalPool {
  /** Leases a free terminal (DB lock + lease timeout), starts the payment, reads the QR. */
  start(input: {
    attemptId: number
    amountTenge: number
  }): Promise<{ terminalId: number; processId: string; qrCode: string; paymentUrl: string }>
  /** What the terminal says of an attempt; asks the terminal at most once per second per attempt, single-flight. */
  check(attemptId: number): Promise<TerminalOutcome>
  /** Cancels the attempt on its terminal (if still waiting) and frees the lease. Idempotent. */
  release(attemptId: number): Promise<void>
  /** A refund of a captured attempt through the terminal that took it; `entryId` is the ledger's refund row. */
  refund(input: { attemptId: number; amountTenge: number; entryId?: number }): Promise<{ processId: string }>
}

export interface TerminalLog {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

export interface TerminalPoolDeps {
  terminals: TerminalRepository
  clientFor: TerminalClientFactory
  qrReader: QrReader
  clock: Clock
  log: TerminalLog
  /** How long a lease lasts: a customer who has not paid by then finds the payment cancelled on the terminal. */
  leaseTimeoutMs: number
  /** The terminal is asked about one attempt at most this often, whatever the number of pollers. */
  statusIntervalMs: number
  /** An unreachable terminal is skipped for this long before it is tried again. */
  offlineRetryMs: number
  /** How long a second start of one attempt waits for the first to show its QR. */
  startWaitMs?: number
}

/** A terminal's process id as we store it: printable ASCII, bounded. */
const PROCESS_ID = /^[\x21-\x7e]{1,128}$/
/** A Kaspi QR as customers are shown it: an https URL of printable ASCII, bounded. */
const QR = /^https:\/\/[\x21-\x7e]{1,2000}$/

/** Unreachable terminals tried in one start before giving up: the next free one may well answer. */
const START_TRIES = 3
const REFUND_METHODS: readonly string[] = ['qr', 'card', 'alaqan']

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The terminal's status data as an outcome. A success without its amount, product or transaction is not yet known. */
export function outcomeOfStatus(data: KaspiStatus): TerminalOutcome {
  switch (data.status) {
    case 'wait':
      return { state: 'waiting' }
    case 'fail':
      return { state: 'failed', reason: String(data.subStatus ?? data.chequeInfo?.status ?? 'fail') }
    case 'success': {
      const amountTiyn = paidAmountTiyn(data)
      const productType = data.addInfo?.ProductType
      const transactionId = data.transactionId
      // The origin read a missing amount as 0 and ended paid payments partially paid: ask again instead.
      if (amountTiyn === undefined || typeof productType !== 'string' || !productType || !transactionId) {
        return { state: 'unknown' }
      }
      const loanTerm = data.addInfo?.LoanTerm
      return {
        state: 'paid',
        amountTiyn,
        productType,
        transactionId: String(transactionId),
        ...(typeof loanTerm === 'number' && Number.isInteger(loanTerm) ? { loanTerm } : {}),
      }
    }
    default:
      return { state: 'unknown' }
  }
}

/** The outcome a stored process records (what the last check heard). */
export function outcomeOfRow(row: ProcessRow): TerminalOutcome {
  switch (row.status) {
    case 'paid':
      return {
        state: 'paid',
        amountTiyn: BigInt(row.paidAmountTiyn ?? 0),
        productType: row.productType ?? '',
        transactionId: row.transactionId ?? '',
        ...(row.loanTerm === null ? {} : { loanTerm: row.loanTerm }),
      }
    case 'failed':
      return { state: 'failed', reason: row.failureReason ?? 'fail' }
    case 'unknown':
      return { state: 'unknown' }
    default:
      return { state: 'waiting' }
  }
}

function processOutcome(outcome: TerminalOutcome, data?: KaspiStatus): ProcessOutcome {
  switch (outcome.state) {
    case 'paid':
      return {
        status: 'paid',
        paidAmountTiyn: outcome.amountTiyn,
        productType: outcome.productType,
        loanTerm: outcome.loanTerm,
        transactionId: outcome.transactionId,
        chequeMethod: typeof data?.chequeInfo?.method === 'string' ? data.chequeInfo.method : undefined,
      }
    case 'failed':
      return { status: 'failed', failureReason: outcome.reason.slice(0, 200) }
    default:
      return { status: outcome.state }
  }
}

/**
 * Talking to terminals: one client per terminal (rebuilt when its address or token changes), the terminal's state
 * kept up to date from every answer or silence. Shared by the pool and its poller.
 */
export function createTerminalCalls(deps: TerminalPoolDeps) {
  const { terminals, clock, log } = deps
  const clients = new Map<number, { key: string; client: KaspiTerminalClient }>()

  function clientOf(terminal: Pick<TerminalAddress, 'id' | 'baseUrl' | 'accessToken'>): KaspiTerminalClient {
    const key = `${terminal.baseUrl}\n${terminal.accessToken}`
    const known = clients.get(terminal.id)
    if (known?.key === key) return known.client
    if (known) void known.client.close().catch(() => {})
    const client = deps.clientFor({ id: terminal.id, baseUrl: terminal.baseUrl, accessToken: terminal.accessToken })
    clients.set(terminal.id, { key, client })
    return client
  }

  /** Records a failed call: an unreachable terminal is marked offline (and skipped a while), a refusal noted. */
  async function failed(terminalId: number, error: unknown, operation: string): Promise<void> {
    const reason = `${operation}: ${reasonOf(error)}`
    if (isUnreachable(error)) {
      log.warn({ terminalId, err: error }, 'kaspi terminal unreachable, marked offline')
      await terminals.markOffline(terminalId, reason, new Date(clock.now().getTime() + deps.offlineRetryMs))
    } else {
      log.warn({ terminalId, err: error }, 'kaspi terminal refused a call')
      await terminals.noteError(terminalId, reason)
    }
  }

  /**
   * Asks the terminal about an open process (status, then actualize when it is unknown or a success lacks its
   * amount), records the answer (a final one frees the terminal) and returns it. Silence is `unknown`.
   */
  async function ask(row: ProcessRow): Promise<TerminalOutcome> {
    const client = clientOf({ id: row.terminalId, baseUrl: row.baseUrl, accessToken: row.accessToken })
    const processId = row.processId as string
    let data: KaspiStatus
    try {
      data = await client.status(processId)
      if (outcomeOfStatus(data).state === 'unknown') data = await client.actualize(processId)
    } catch (error) {
      await failed(row.terminalId, error, 'status')
      return { state: 'unknown' }
    }
    const now = clock.now()
    await terminals.markOnline(row.terminalId, now)
    const outcome = outcomeOfStatus(data)
    if (outcome.state !== row.status || outcome.state === 'paid' || outcome.state === 'failed') {
      await terminals.recordOutcome(row.attemptId, processOutcome(outcome, data), now)
    }
    return outcome
  }

  return {
    clientOf,
    failed,
    ask,
    async close() {
      const all = [...clients.values()]
      clients.clear()
      await Promise.all(all.map(({ client }) => client.close().catch(() => {})))
    },
  }
}

export type TerminalCalls = ReturnType<typeof createTerminalCalls>

/** The terminal pool: leases, starts, status checks, cancels and refunds. */
export function createTerminalPool(
  deps: TerminalPoolDeps,
  calls: TerminalCalls = createTerminalCalls(deps),
): TerminalPool & { close(): Promise<void> } {
  const { terminals, clock, log } = deps
  const startWaitMs = deps.startWaitMs ?? 15_000
  const starts = new Map<number, ReturnType<TerminalPool['start']>>()
  const checks = new Map<number, Promise<TerminalOutcome>>()
  // The last outcome of each attempt, for the pollers that arrive within the interval: they get it without a call.
  const recent = new TtlCache<number, TerminalOutcome>(100_000, deps.statusIntervalMs)

  function wholeTenge(amountTenge: number): number {
    if (!Number.isSafeInteger(amountTenge) || amountTenge <= 0) {
      throw new PaymentsError('VALIDATION_FAILED', undefined, { reason: 'a terminal takes whole tenge above zero' })
    }
    return amountTenge
  }

  /** A second start of an attempt (another request, another process) waits for the first one's QR. */
  async function started(attemptId: number) {
    const deadline = Date.now() + startWaitMs
    for (;;) {
      const row = await terminals.findProcess(attemptId)
      if (row?.qrCode && row.processId) {
        return { terminalId: row.terminalId, processId: row.processId, qrCode: row.qrCode, paymentUrl: row.paymentUrl! }
      }
      // The first start failed (its process was forgotten) or ended without a QR.
      if (!row || row.status === 'failed' || row.status === 'paid') throw new PaymentsError('TERMINAL_UNAVAILABLE')
      if (Date.now() >= deadline) throw new PaymentsError('TERMINAL_UNAVAILABLE')
      await sleep(50)
    }
  }

  async function startNow(attemptId: number, amountTenge: number) {
    if (await terminals.findProcess(attemptId)) return started(attemptId)
    const tried: number[] = []
    for (let attempt = 0; attempt < START_TRIES; attempt++) {
      const now = clock.now()
      const leased = await terminals.lease({
        attemptId,
        amountTenge,
        now,
        expiresAt: new Date(now.getTime() + deps.leaseTimeoutMs),
        exclude: tried,
      })
      if (leased === 'started') return started(attemptId)
      if (leased === 'busy') throw new PaymentsError('TERMINALS_BUSY')
      if (leased === 'unavailable') throw new PaymentsError('TERMINAL_UNAVAILABLE')
      tried.push(leased.id)
      // No transaction is open from here on: the lease is a committed row, the terminal calls run outside it.
      const client = calls.clientOf(leased)
      let processId: string
      try {
        ;({ processId } = await client.startPayment(amountTenge))
      } catch (error) {
        await terminals.abandonStart(attemptId)
        await calls.failed(leased.id, error, 'payment')
        if (isUnreachable(error)) continue
        throw new PaymentsError('TERMINAL_UNAVAILABLE', undefined, { reason: reasonOf(error).slice(0, 200) })
      }
      await terminals.markOnline(leased.id, clock.now())
      let qrCode: string | undefined
      // What the terminal and the camera say is stored and shown to customers: an id or a QR no real one sends
      // (NUL, control characters, a megabyte, another scheme) is refused like no answer, and the terminal freed.
      if (!PROCESS_ID.test(processId)) {
        await terminals.noteError(leased.id, 'the terminal answered an unusable processId')
      } else if (await terminals.setProcessId(attemptId, processId)) {
        try {
          const read = await deps.qrReader.readQr({ cameraId: leased.cameraId, processId })
          if (QR.test(read)) qrCode = read
          else await terminals.noteError(leased.id, 'camera: an unusable QR text')
        } catch (error) {
          log.warn({ terminalId: leased.id, err: error }, 'kaspi camera could not read the QR')
          await terminals.noteError(leased.id, `camera: ${reasonOf(error)}`)
        }
      }
      if (qrCode === undefined) {
        // Released meanwhile, or no QR: the customer cannot pay, so the terminal's payment is cancelled.
        await client.cancel(processId).catch((error) => calls.failed(leased.id, error, 'cancel'))
        // The customer may have paid before the camera saw the QR (a slow read; the terminal's own screen shows it):
        // then the cancel came too late. Asked after it, the terminal's answer is recorded, so money taken stays
        // this attempt's (abandonStart keeps a final process) instead of being forgotten while the customer is told
        // to start again and pays twice.
        const row = await terminals.findProcess(attemptId)
        if (row?.processId === processId && (row.status === 'waiting' || row.status === 'unknown')) await calls.ask(row)
        await terminals.abandonStart(attemptId)
        throw new PaymentsError('TERMINAL_UNAVAILABLE')
      }
      const paymentUrl = toPaymentUrl(qrCode)
      await terminals.setQr(attemptId, qrCode, paymentUrl)
      return { terminalId: leased.id, processId, qrCode, paymentUrl }
    }
    throw new PaymentsError('TERMINAL_UNAVAILABLE')
  }

  async function checkNow(attemptId: number): Promise<TerminalOutcome> {
    const now = clock.now()
    const claimed = await terminals.claimCheck(attemptId, now, new Date(now.getTime() - deps.statusIntervalMs))
    if (claimed) return calls.ask(claimed)
    // Final, still starting, or asked by another process within the interval: what is stored is the answer.
    const row = await terminals.findProcess(attemptId)
    if (!row) throw new PaymentsError('TERMINAL_PROCESS_NOT_FOUND')
    return outcomeOfRow(row)
  }

  return {
    start({ attemptId, amountTenge }) {
      wholeTenge(amountTenge)
      const flying = starts.get(attemptId)
      if (flying) return flying
      const flight = startNow(attemptId, amountTenge).finally(() => starts.delete(attemptId))
      starts.set(attemptId, flight)
      return flight
    },

    async check(attemptId) {
      const now = clock.now().getTime()
      const cached = recent.get(attemptId, now)
      if (cached) return cached
      const flying = checks.get(attemptId)
      if (flying) return flying
      const flight = checkNow(attemptId)
        .then((outcome) => {
          recent.set(attemptId, outcome, clock.now().getTime())
          return outcome
        })
        .finally(() => checks.delete(attemptId))
      checks.set(attemptId, flight)
      return flight
    },

    async release(attemptId) {
      const row = await terminals.findProcess(attemptId)
      if (!row) return
      recent.delete(attemptId)
      if (row.status === 'paid' || row.status === 'failed') {
        await terminals.releaseLease(attemptId)
        return
      }
      if (row.processId) {
        const client = calls.clientOf({ id: row.terminalId, baseUrl: row.baseUrl, accessToken: row.accessToken })
        try {
          // The customer may have paid a moment ago: that is recorded (the poller hands it to the payments module),
          // never cancelled. Settling here could wait on the caller's own transaction.
          const outcome = outcomeOfStatus(await client.status(row.processId))
          if (outcome.state === 'paid' || outcome.state === 'failed') {
            await terminals.recordOutcome(attemptId, processOutcome(outcome), clock.now())
            return
          }
          await client.cancel(row.processId)
        } catch (error) {
          await calls.failed(row.terminalId, error, 'cancel')
        }
      }
      await terminals.recordOutcome(attemptId, { status: 'failed', failureReason: 'cancelled' }, clock.now())
    },

    async refund({ attemptId, amountTenge, entryId }) {
      wholeTenge(amountTenge)
      const row = await terminals.findProcess(attemptId)
      if (!row) throw new PaymentsError('TERMINAL_PROCESS_NOT_FOUND')
      if (row.status !== 'paid' || !row.transactionId) throw new PaymentsError('TERMINAL_REFUND_NOT_POSSIBLE')
      // The refund's QR takes the terminal's screen: never while another customer is paying on it.
      const now = clock.now()
      if (!(await terminals.leaseTerminal(row.terminalId, attemptId, new Date(now.getTime() + deps.leaseTimeoutMs)))) {
        throw new PaymentsError('TERMINALS_BUSY')
      }
      try {
        const client = calls.clientOf({ id: row.terminalId, baseUrl: row.baseUrl, accessToken: row.accessToken })
        const method = (REFUND_METHODS.includes(row.chequeMethod ?? '') ? row.chequeMethod : 'qr') as KaspiRefundMethod
        let processId: string
        try {
          ;({ processId } = await client.refund({ method, amountTenge, transactionId: row.transactionId }))
        } catch (error) {
          await calls.failed(row.terminalId, error, 'refund')
          if (isUnreachable(error)) throw new PaymentsError('TERMINAL_UNAVAILABLE')
          throw new PaymentsError('TERMINAL_REFUND_REFUSED', undefined, { reason: reasonOf(error).slice(0, 200) })
        }
        await terminals.insertRefund({ attemptId, terminalId: row.terminalId, amountTenge, processId, entryId, now })
        return { processId }
      } finally {
        await terminals.releaseLease(attemptId)
      }
    },

    close: () => calls.close(),
  }
}
