import type { Tiyn } from '@kokdala/core'
import { WebkassaSimError } from './errors.ts'

export type OperationKey = 'Buy' | 'ReturnBuy' | 'Sell' | 'ReturnSell'
/** `OperationType` 0..3 → the XZReport block it is counted in. */
export const OPERATION_KEYS: readonly OperationKey[] = ['Buy', 'ReturnBuy', 'Sell', 'ReturnSell']

/** One operation type's totals within a shift (an XZReport block). */
export interface OperationTotals {
  count: number
  total: Tiyn
  vat: Tiyn
  change: Tiyn
  /** Per `PaymentType`. */
  payments: Map<number, Tiyn>
}

export interface Shift {
  number: number
  openedAt: Date
  closedAt?: Date
  /** Receipts and money operations in the shift. */
  documentCount: number
  /** Receipts only: the next `CheckOrderNumber` is this + 1. */
  receiptCount: number
  putMoney: Tiyn
  takeMoney: Tiyn
  operations: Record<OperationKey, OperationTotals>
  startNonNullable: Record<OperationKey, Tiyn>
  /** Whether any document of the shift was made offline. */
  offline: boolean
}

export interface Cashbox {
  uniqueNumber: string
  registrationNumber: string
  identityNumber: string
  name: string
  address: string
  /** Code 7. */
  blocked: boolean
  /** Code 10 while false. */
  activated: boolean
  /** Whether Webkassa reaches the OFD for this cashbox; false = autonomous (offline) mode. */
  ofdReachable: boolean
  /** When autonomous mode began (simulated ms); 72 h later every operation is code 18. */
  offlineSince?: number
  shifts: Shift[]
  cashBalance: Tiyn
  nonNullable: Record<OperationKey, Tiyn>
  xReportCount: number
  /** A request of this cashbox is being handled: an overlapping one is code 9. */
  busy: boolean
}

function operationTotals(): OperationTotals {
  return { count: 0, total: 0n, vat: 0n, change: 0n, payments: new Map() }
}

const zeroByOperation = (): Record<OperationKey, Tiyn> => ({ Buy: 0n, ReturnBuy: 0n, Sell: 0n, ReturnSell: 0n })

/** A ZNK as Webkassa's test cashboxes spell them (`SWK00000001`); anything printable up to 32 characters. */
export const UNIQUE_NUMBER = /^[A-Za-z0-9_-]{1,32}$/

/** The cashboxes of the simulated organization, with their shifts, cash and autonomous-mode state. */
export function createCashboxes() {
  const cashboxes = new Map<string, Cashbox>()

  return {
    add(input: { uniqueNumber: string; name?: string; blocked?: boolean; activated?: boolean }): Cashbox {
      if (!UNIQUE_NUMBER.test(input.uniqueNumber)) throw new RangeError(`bad cashbox number ${input.uniqueNumber}`)
      const index = cashboxes.size + 1
      const cashbox: Cashbox = {
        uniqueNumber: input.uniqueNumber,
        registrationNumber: String(600_100_000_000 + index),
        identityNumber: String(1000 + index),
        name: input.name ?? `Касса ${index}`,
        address: 'г. Алматы, ул. Симуляторная, 1',
        blocked: input.blocked ?? false,
        activated: input.activated ?? true,
        ofdReachable: true,
        shifts: [],
        cashBalance: 0n,
        nonNullable: zeroByOperation(),
        xReportCount: 0,
        busy: false,
      }
      cashboxes.set(cashbox.uniqueNumber, cashbox)
      return cashbox
    },
    get: (uniqueNumber: string) => cashboxes.get(uniqueNumber),
    list: () => [...cashboxes.values()],
    reset: () => cashboxes.clear(),
  }
}

export type Cashboxes = ReturnType<typeof createCashboxes>

/** The open shift, if any. */
export function openShift(cashbox: Cashbox): Shift | undefined {
  const last = cashbox.shifts.at(-1)
  return last && !last.closedAt ? last : undefined
}

/** The open shift, or a new one: Webkassa has no "open shift" call, the first operation opens it. */
export function shiftForOperation(cashbox: Cashbox, now: Date): Shift {
  const open = openShift(cashbox)
  if (open) return open
  const shift: Shift = {
    number: (cashbox.shifts.at(-1)?.number ?? 0) + 1,
    openedAt: now,
    documentCount: 0,
    receiptCount: 0,
    putMoney: 0n,
    takeMoney: 0n,
    operations: {
      Buy: operationTotals(),
      ReturnBuy: operationTotals(),
      Sell: operationTotals(),
      ReturnSell: operationTotals(),
    },
    startNonNullable: { ...cashbox.nonNullable },
    offline: false,
  }
  cashbox.shifts.push(shift)
  return shift
}

export function shiftNumbered(cashbox: Cashbox, number: unknown): Shift {
  if (!Number.isSafeInteger(number) || (number as number) < 1) throw new WebkassaSimError(9, 'ShiftNumber обязательно')
  const shift = cashbox.shifts.find((s) => s.number === number)
  if (!shift) throw new WebkassaSimError(15)
  return shift
}

/** The cashbox's current status code: 0 created (not activated), 1 active, 2 blocked. */
export function currentStatus(cashbox: Cashbox): number {
  if (cashbox.blocked) return 2
  return cashbox.activated ? 1 : 0
}
