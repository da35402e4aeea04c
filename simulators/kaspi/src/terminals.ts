import { randomUUID } from 'node:crypto'
import { formatChequeAmount, type KaspiProductType, type KaspiRefundMethod, type KaspiStatusData } from '@kokdala/kaspi'
import { ControlError, TerminalError } from './errors.ts'

/** What the terminal's screen shows: nothing, a payment QR, a refund QR; or the terminal is off the network. */
export type TerminalState = 'idle' | 'waiting' | 'refund' | 'offline'

/** One payment or refund the terminal ran. `status` is the truth; the terminal may report `unknown` instead. */
export interface Process {
  processId: string
  kind: 'payment' | 'refund'
  /** Whole tenge the terminal was asked for. */
  amount: number
  status: 'wait' | 'success' | 'fail'
  /** The terminal lost track: `/v2/status` says `unknown` until `/v2/actualize` is asked. */
  reportUnknown: boolean
  startedAt: string
  finishedAt?: string
  subStatus: string
  /** What the customer paid (or got back), whole tenge; differs from `amount` when told so. */
  paidAmount?: number
  productType?: KaspiProductType
  loanTerm?: number
  transactionId?: string
  /** A simulator knob: the status leaves `data.amount` out, as some firmware does, so only the cheque tells it. */
  omitAmount?: boolean
  refundMethod?: KaspiRefundMethod
  /** For a refund: the purchase it gives money back from. */
  refundOf?: string
  /** The automatic customer's timer, cleared when the customer is told to walk away. */
  autoPayTimer?: NodeJS.Timeout
}

/** A money movement the terminal recorded: what a reconciliation lists. */
export interface Transaction {
  transactionId: string
  type: 'purchase' | 'refund'
  processId: string
  /** Whole tenge. */
  amount: number
  productType?: KaspiProductType
  loanTerm?: number
  refundOf?: string
  /** For a purchase: how much of it has been refunded (confirmed refunds). */
  refundedAmount?: number
  at: string
}

export interface Terminal {
  id: string
  accessToken: string
  online: boolean
  /** Added to every call of this terminal's API (beside the kit's global latency). */
  latencyMs: number
  /** The process on screen, if any. */
  current?: Process
  processes: Map<string, Process>
  transactions: Transaction[]
  purchases: Map<string, { transaction: Transaction; refunded: number; pending: number }>
  timers: Set<NodeJS.Timeout>
}

export interface TerminalStoreOptions {
  /** The customer pays the asked amount with Gold (and confirms refunds) this long after a process starts; 0: never. */
  autoPayMs?: number
  /** A waiting process ends `fail` (subStatus `Timeout`) after this long, as the QR expires; 0: never. */
  paymentTimeoutMs?: number
  /** How long after a process starts its QR is on the screen for the camera. */
  qrDelayMs?: number
  clock?: () => number
}

/** Terminal ids in paths: short, URL-safe. */
export const TERMINAL_ID = /^[A-Za-z0-9_-]{1,64}$/
/** Whole tenge the simulated terminal accepts: positive, up to 10^12. */
const MAX_AMOUNT = 1_000_000_000_000
/** Finished processes kept per terminal for `/v2/status`; the oldest go first. */
const MAX_PROCESSES = 10_000
/** Default loan terms (months) of the products that have one. */
const DEFAULT_LOAN_TERM: Partial<Record<KaspiProductType, number>> = { Credit: 12, Installment: 12, Loan: 12 }

/** The access token a terminal gets when none is configured: derived, so tests and demos know it. */
export function defaultAccessToken(terminalId: string): string {
  return `kaspi-sim-token-${terminalId}`
}

/** Whole tenge from a query or control value: digits only, > 0, ≤ 10^12; else undefined. */
export function parseWholeTenge(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !/^\d{1,13}$/.test(text)) return undefined
  const amount = Number(text)
  return amount > 0 && amount <= MAX_AMOUNT ? amount : undefined
}

/**
 * The simulated terminals: each has an access token, a screen (idle, a payment QR, a refund QR), a network
 * switch, a history of processes and a journal of transactions. All the terminal's rules live here, without HTTP.
 */
export function createTerminalStore(options: TerminalStoreOptions = {}) {
  const clock = options.clock ?? Date.now
  const autoPayMs = options.autoPayMs ?? 0
  const paymentTimeoutMs = options.paymentTimeoutMs ?? 0
  const qrDelayMs = options.qrDelayMs ?? 0
  const terminals = new Map<string, Terminal>()
  // Transaction ids: 16 digits from the start time and a counter, so a restarted simulator never reuses one.
  const transactionBase = clock() * 1000
  let transactionSeq = 0

  const now = () => new Date(clock()).toISOString()

  function schedule(terminal: Terminal, ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      terminal.timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    terminal.timers.add(timer)
    return timer
  }

  function remember(terminal: Terminal, process: Process) {
    terminal.processes.set(process.processId, process)
    if (terminal.processes.size <= MAX_PROCESSES) return
    for (const [id, old] of terminal.processes) {
      if (old.status !== 'wait') {
        terminal.processes.delete(id)
        return
      }
    }
  }

  function finish(terminal: Terminal, process: Process, status: 'success' | 'fail', subStatus: string) {
    process.status = status
    process.subStatus = subStatus
    process.finishedAt = now()
    if (terminal.current === process) terminal.current = undefined
    if (process.kind === 'refund') {
      const purchase = terminal.purchases.get(process.refundOf!)!
      purchase.pending -= process.amount
      if (status === 'success') {
        purchase.refunded += process.paidAmount!
        purchase.transaction.refundedAmount = purchase.refunded
      }
    }
  }

  function startTimers(terminal: Terminal, process: Process) {
    if (autoPayMs > 0) {
      process.autoPayTimer = schedule(terminal, autoPayMs, () => {
        if (terminal.current !== process || process.status !== 'wait') return
        if (process.kind === 'payment') pay(terminal, {})
        else confirmRefund(terminal)
      })
    }
    if (paymentTimeoutMs > 0) {
      schedule(terminal, paymentTimeoutMs, () => {
        if (process.status === 'wait') finish(terminal, process, 'fail', 'Timeout')
      })
    }
  }

  function record(terminal: Terminal, transaction: Omit<Transaction, 'transactionId' | 'at'>): Transaction {
    transactionSeq++
    const full: Transaction = { transactionId: String(transactionBase + transactionSeq), at: now(), ...transaction }
    terminal.transactions.push(full)
    return full
  }

  function terminal(id: string): Terminal | undefined {
    return terminals.get(id)
  }

  function processOf(t: Terminal, processId: string): Process {
    const found = t.processes.get(processId)
    if (!found) throw new TerminalError('PROCESS_NOT_FOUND')
    return found
  }

  function waiting(t: Terminal, kind: Process['kind'], action: string): Process {
    const current = t.current
    if (!current || current.kind !== kind) {
      const what = kind === 'payment' ? 'payment' : 'refund'
      throw new ControlError(409, 'NOTHING_ON_SCREEN', `terminal ${t.id} has no ${what} waiting to ${action}`)
    }
    return current
  }

  function pay(
    t: Terminal,
    input: {
      productType?: KaspiProductType
      loanTerm?: number
      amount?: number
      unknown?: boolean
      omitAmount?: boolean
    },
  ): Process {
    const current = waiting(t, 'payment', 'pay')
    const productType = input.productType ?? 'Gold'
    // Gold and Red have no term: a term given for them is ignored, as the terminal would never report one.
    const defaultTerm = DEFAULT_LOAN_TERM[productType]
    const loanTerm = defaultTerm === undefined ? undefined : (input.loanTerm ?? defaultTerm)
    const paidAmount = input.amount ?? current.amount
    const transaction = record(t, {
      type: 'purchase',
      processId: current.processId,
      amount: paidAmount,
      productType,
      ...(loanTerm === undefined ? {} : { loanTerm }),
      refundedAmount: 0,
    })
    t.purchases.set(transaction.transactionId, { transaction, refunded: 0, pending: 0 })
    Object.assign(current, {
      paidAmount,
      productType,
      loanTerm,
      transactionId: transaction.transactionId,
      reportUnknown: input.unknown ?? false,
      omitAmount: input.omitAmount ?? false,
    })
    finish(t, current, 'success', 'Success')
    return current
  }

  function confirmRefund(t: Terminal): Process {
    const current = waiting(t, 'refund', 'confirm')
    const purchase = t.purchases.get(current.refundOf!)!
    const transaction = record(t, {
      type: 'refund',
      processId: current.processId,
      amount: current.amount,
      productType: purchase.transaction.productType,
      refundOf: current.refundOf,
    })
    Object.assign(current, { paidAmount: current.amount, transactionId: transaction.transactionId })
    finish(t, current, 'success', 'Success')
    return current
  }

  function newProcess(kind: Process['kind'], amount: number, extra: Partial<Process> = {}): Process {
    return {
      processId: randomUUID(),
      kind,
      amount,
      status: 'wait',
      reportUnknown: false,
      startedAt: now(),
      subStatus: 'WaitUser',
      ...extra,
    }
  }

  return {
    terminal,
    list: () => [...terminals.values()],

    add(id: string, accessToken?: string): Terminal {
      if (!TERMINAL_ID.test(id)) throw new ControlError(400, 'INVALID_TERMINAL', 'id must be 1-64 of A-Z a-z 0-9 _ -')
      if (terminals.has(id)) throw new ControlError(409, 'TERMINAL_EXISTS', `terminal ${id} exists`)
      const created: Terminal = {
        id,
        accessToken: accessToken ?? defaultAccessToken(id),
        online: true,
        latencyMs: 0,
        processes: new Map(),
        transactions: [],
        purchases: new Map(),
        timers: new Set(),
      }
      terminals.set(id, created)
      return created
    },

    // The terminal's API.

    /** `/v2/payment`: a second payment while one is on screen is refused, as the real terminal does. */
    startPayment(t: Terminal, amount: number): Process {
      if (t.current) throw new TerminalError('BUSY', `${t.current.kind} ${t.current.processId} is in progress`)
      const created = newProcess('payment', amount)
      remember(t, created)
      t.current = created
      startTimers(t, created)
      return created
    },

    /** `/v2/status` (or `/v2/actualize`, which also clears an `unknown`). */
    status(t: Terminal, processId: string, actualize = false): KaspiStatusData {
      const found = processOf(t, processId)
      if (actualize) found.reportUnknown = false
      return statusData(found)
    },

    /** `/v2/cancel`: a waiting process ends `fail`; a failed one stays so; a successful one cannot be cancelled. */
    cancel(t: Terminal, processId: string): void {
      const found = processOf(t, processId)
      if (found.status === 'success') throw new TerminalError('PROCESS_FINISHED', 'it ended success; refund it')
      if (found.status === 'wait') finish(t, found, 'fail', 'Cancelled')
    },

    /** `/v2/refund`: of a purchase this terminal took, never more than what is left of it (pending refunds held). */
    refund(t: Terminal, input: { method: KaspiRefundMethod; amount: number; transactionId: string }): Process {
      if (t.current) throw new TerminalError('BUSY', `${t.current.kind} ${t.current.processId} is in progress`)
      const purchase = t.purchases.get(input.transactionId)
      if (!purchase) throw new TerminalError('TRANSACTION_NOT_FOUND')
      const left = purchase.transaction.amount - purchase.refunded - purchase.pending
      if (input.amount > left) throw new TerminalError('REFUND_EXCEEDS', `${left} ₸ left of ${input.transactionId}`)
      purchase.pending += input.amount
      const created = newProcess('refund', input.amount, {
        refundMethod: input.method,
        refundOf: input.transactionId,
      })
      remember(t, created)
      t.current = created
      startTimers(t, created)
      return created
    },

    // The simulator's controls: what the customer and the operator do.

    pay,
    confirmRefund,

    /** The customer declines (payment) or refuses (refund) what is on screen. */
    fail(t: Terminal): Process {
      const current = t.current
      if (!current) throw new ControlError(409, 'NOTHING_ON_SCREEN', `terminal ${t.id} shows nothing to decline`)
      finish(t, current, 'fail', 'Declined')
      return current
    },

    /** The customer walks away: the process stays `wait` (reported `unknown` if asked), and auto-pay is off for it. */
    walkAway(t: Terminal, report: 'wait' | 'unknown'): Process {
      const current = t.current
      if (!current) throw new ControlError(409, 'NOTHING_ON_SCREEN', `terminal ${t.id} shows nothing`)
      if (current.autoPayTimer) {
        clearTimeout(current.autoPayTimer)
        t.timers.delete(current.autoPayTimer)
      }
      current.reportUnknown = report === 'unknown'
      return current
    },

    /** Whether the camera sees a QR on the terminal's screen now. */
    qrOnScreen(t: Terminal): Process | undefined {
      const current = t.current
      if (current?.status !== 'wait') return undefined
      return clock() - Date.parse(current.startedAt) >= qrDelayMs ? current : undefined
    },

    close() {
      for (const t of terminals.values()) {
        for (const timer of t.timers) clearTimeout(timer)
        t.timers.clear()
      }
    },
  }
}

export type TerminalStore = ReturnType<typeof createTerminalStore>

/** What `/v2/status` answers for a process. */
export function statusData(process: Process): KaspiStatusData {
  if (process.reportUnknown) return { status: 'unknown', subStatus: 'Unknown' }
  if (process.status !== 'success') return { status: process.status, subStatus: process.subStatus }
  const paid = process.paidAmount!
  return {
    status: 'success',
    ...(process.omitAmount ? {} : { amount: paid }),
    transactionId: process.transactionId!,
    chequeInfo: {
      method: process.refundMethod ?? 'qr',
      amount: formatChequeAmount(paid),
      orderNumber: process.transactionId!,
      status: process.kind === 'refund' ? 'Возврат' : 'Покупка',
    },
    ...(process.productType
      ? {
          addInfo: {
            ProductType: process.productType,
            ...(process.loanTerm === undefined ? {} : { LoanTerm: process.loanTerm }),
          },
        }
      : {}),
    subStatus: process.subStatus,
  }
}

/** A terminal as the control API shows it. */
export function terminalView(t: Terminal) {
  const state: TerminalState = !t.online
    ? 'offline'
    : !t.current
      ? 'idle'
      : t.current.kind === 'payment'
        ? 'waiting'
        : 'refund'
  return {
    id: t.id,
    state,
    online: t.online,
    accessToken: t.accessToken,
    latencyMs: t.latencyMs,
    current: t.current ? processView(t.current) : null,
    processes: t.processes.size,
    transactions: t.transactions.length,
  }
}

/** A process as the control API shows it (the truth, not what the terminal reports). */
export function processView(p: Process) {
  return {
    processId: p.processId,
    kind: p.kind,
    amount: p.amount,
    status: p.status,
    reported: statusData(p).status,
    subStatus: p.subStatus,
    startedAt: p.startedAt,
    finishedAt: p.finishedAt ?? null,
    paidAmount: p.paidAmount ?? null,
    productType: p.productType ?? null,
    loanTerm: p.loanTerm ?? null,
    transactionId: p.transactionId ?? null,
    refundOf: p.refundOf ?? null,
  }
}
