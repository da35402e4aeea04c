import type { Tiyn } from '@kokdala/core'
import { tiynToTenge } from '@kokdala/webkassa'
import { type Account, createAccounts, type TokenPolicy } from './accounts.ts'
import {
  type Cashbox,
  createCashboxes,
  currentStatus,
  OPERATION_KEYS,
  openShift,
  type Shift,
  shiftForOperation,
  shiftNumbered,
} from './cashboxes.ts'
import { externalNumber, money, parseCheck } from './check-request.ts'
import { createSimClock, type SimClock, webkassaDateTime, webkassaDateTimeOffset } from './clock.ts'
import { WebkassaSimError } from './errors.ts'
import { createReceiptLedger, type Receipt } from './receipts.ts'

/** The policies a test can switch (`POST /__sim/faults`), read at each call. */
export interface SimPolicy extends TokenPolicy {
  /** Code 14 carries the original receipt's `Data` beside the error (Webkassa's behaviour is unverified). */
  duplicateWithData: boolean
  /** What a Z report answers when the last shift is already closed: 12 (already closed) or 13 (no open shift). */
  repeatZReportCode: 12 | 13
}

/** The policies the HTTP simulator starts with (its switches' defaults), for the state machine used alone. */
export const DEFAULT_SIM_POLICY: SimPolicy = {
  invalidatePreviousTokens: true,
  tokenTtlMs: 86_400_000,
  duplicateWithData: false,
  repeatZReportCode: 12,
}

export const HOUR_MS = 3_600_000
/** A shift older than this blocks operations with code 11. */
export const SHIFT_LIMIT_MS = 24 * HOUR_MS
/** Autonomous mode longer than this blocks the cashbox with code 18. */
export const OFFLINE_LIMIT_MS = 72 * HOUR_MS

const OFD = { Name: 'ОФД (симулятор Kokdala)', NameKz: 'ОФД (симулятор)', NameEn: 'OFD (simulator)', Code: 1 }
const OFD_HOST = 'consumer.ofd.sim.kokdala.kz'
const ORGANIZATION = { TaxPayerName: 'ТОО «Kokdala Demo»', TaxPayerIN: '123456789012' }

type Body = Record<string, unknown>

const tenge = (tiyn: Tiyn) => tiynToTenge(tiyn)

function page(body: Body): { skip: number; take: number } {
  const skip = body.Skip ?? 0
  const take = body.Take ?? 50
  if (!Number.isSafeInteger(skip) || (skip as number) < 0) throw new WebkassaSimError(9, 'Skip должно быть ≥ 0')
  if (!Number.isSafeInteger(take) || (take as number) < 1 || (take as number) > 50) {
    throw new WebkassaSimError(9, 'Take должно быть от 1 до 50')
  }
  return { skip: skip as number, take: take as number }
}

/**
 * Webkassa API v4 as a state machine, transport aside (the HTTP routes are one front end; a test may drive it in
 * process): accounts and tokens, cashboxes with access, blocking and activation, shifts opened by the first
 * operation and limited to 24 h, receipts idempotent by `ExternalCheckNumber`, autonomous mode limited to 72 h,
 * cash with withdrawals refused beyond the drawer, and the history lookups. Each operation takes the request body
 * (PascalCase) and returns the answer's `Data`, or throws `WebkassaSimError` with Webkassa's code.
 */
export function createWebkassaSim(options: { clock?: SimClock; policy?: () => SimPolicy } = {}) {
  const clock = options.clock ?? createSimClock()
  const policy = options.policy ?? (() => DEFAULT_SIM_POLICY)
  const accounts = createAccounts(clock, policy)
  const cashboxes = createCashboxes()
  const ledger = createReceiptLedger()

  /** The cashbox a request names, checked in Webkassa's order: exists (6), user's (5), blocked (7), activated (10). */
  function cashboxFor(account: Account, body: Body): Cashbox {
    const number = body.CashboxUniqueNumber
    if (typeof number !== 'string' || number === '') throw new WebkassaSimError(9, 'CashboxUniqueNumber обязательно')
    const cashbox = cashboxes.get(number)
    if (!cashbox) throw new WebkassaSimError(6)
    if (!account.cashboxes.has(number)) throw new WebkassaSimError(5)
    if (cashbox.blocked) throw new WebkassaSimError(7)
    if (!cashbox.activated) throw new WebkassaSimError(10)
    return cashbox
  }

  /** Autonomous for over 72 h: nothing fiscal works until the OFD is reached again. */
  function offlineGuard(cashbox: Cashbox, now: Date) {
    if (!cashbox.ofdReachable && cashbox.offlineSince !== undefined) {
      if (now.getTime() - cashbox.offlineSince > OFFLINE_LIMIT_MS) throw new WebkassaSimError(18)
    }
  }

  /** The shift a document goes into: code 11 when the open one is over 24 h. */
  function shiftGuard(cashbox: Cashbox, now: Date): Shift {
    const open = openShift(cashbox)
    if (open && now.getTime() - open.openedAt.getTime() > SHIFT_LIMIT_MS) throw new WebkassaSimError(11)
    return shiftForOperation(cashbox, now)
  }

  function cashboxView(cashbox: Cashbox) {
    return {
      UniqueNumber: cashbox.uniqueNumber,
      RegistrationNumber: cashbox.registrationNumber,
      IdentityNumber: cashbox.identityNumber,
      Address: cashbox.address,
      AddressKz: cashbox.address,
      Ofd: { ...OFD, Host: OFD_HOST },
    }
  }

  function ticketUrl(checkNumber: string, cashbox: Cashbox, total: Tiyn, at: Date) {
    const t = webkassaDateTimeOffset(at).replace(/[-:]/g, '').slice(0, 15)
    return `https://${OFD_HOST}/?i=${checkNumber}&f=${cashbox.registrationNumber}&s=${tenge(total)}&t=${t}`
  }

  function reportOf(cashbox: Cashbox, shift: Shift, now: Date, kind: 'X' | 'Z') {
    const block = (key: (typeof OPERATION_KEYS)[number]) => {
      const totals = shift.operations[key]
      return {
        PaymentsByTypesApiModel: [...totals.payments].map(([type, sum]) => ({ Type: type, Sum: tenge(sum) })),
        Discount: 0,
        Markup: 0,
        Taken: tenge(totals.total + totals.change),
        Change: tenge(totals.change),
        Count: totals.count,
        TotalCount: tenge(totals.total),
        VAT: tenge(totals.vat),
      }
    }
    const nonNullable = (values: Record<string, Tiyn>) =>
      Object.fromEntries(OPERATION_KEYS.map((key) => [key, tenge(values[key]!)]))
    return {
      ...ORGANIZATION,
      TaxPayerVAT: true,
      ReportNumber: kind === 'Z' ? shift.number : cashbox.xReportCount,
      CashboxSN: cashbox.uniqueNumber,
      CashboxIN: Number(cashbox.identityNumber),
      CashboxRN: cashbox.registrationNumber,
      StartOn: webkassaDateTime(shift.openedAt),
      ReportOn: webkassaDateTime(now),
      ...(shift.closedAt ? { CloseOn: webkassaDateTime(shift.closedAt) } : {}),
      CashierCode: 1,
      CashierName: 'Кассир Kokdala',
      ShiftNumber: shift.number,
      DocumentCount: shift.documentCount,
      PutMoneySum: tenge(shift.putMoney),
      TakeMoneySum: tenge(shift.takeMoney),
      SumInCashbox: tenge(cashbox.cashBalance),
      ControlSum: 0,
      OfflineMode: shift.offline,
      CashboxOfflineMode: !cashbox.ofdReachable,
      Sell: block('Sell'),
      Buy: block('Buy'),
      ReturnSell: block('ReturnSell'),
      ReturnBuy: block('ReturnBuy'),
      StartNonNullable: nonNullable(shift.startNonNullable),
      EndNonNullable: nonNullable(cashbox.nonNullable),
      Ofd: { ...OFD, Host: OFD_HOST },
    }
  }

  /** Code 14 for a repeated external number, with the original `Data` when the policy says so. */
  function duplicate(original: { data: unknown }): never {
    throw new WebkassaSimError(14, undefined, policy().duplicateWithData ? original.data : undefined)
  }

  return {
    clock,
    accounts,
    cashboxes,
    ledger,
    /** The cashbox a request body names, checked for the account (what the routes lock on). */
    cashboxFor,

    authorize: (body: Body) => accounts.authorize(body.Login, body.Password),

    /** `POST /api/v4/check`. */
    check(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const now = clock.now()
      const external = externalNumber(body.ExternalCheckNumber)
      if (external !== undefined) ledger.attempt(external)
      offlineGuard(cashbox, now)
      const current = openShift(cashbox)
      if (current && now.getTime() - current.openedAt.getTime() > SHIFT_LIMIT_MS) throw new WebkassaSimError(11)
      const original = external === undefined ? undefined : ledger.byExternal(external)
      if (original) duplicate(original)
      const check = parseCheck(body)
      if (check.returnBasis) {
        const basis = ledger.byNumber(check.returnBasis.checkNumber)
        if (!basis || basis.data.Cashbox.RegistrationNumber !== check.returnBasis.registrationNumber) {
          throw new WebkassaSimError(9, 'ReturnBasisDetails: исходный чек не найден')
        }
        if (basis.offline !== check.returnBasis.isOffline) {
          throw new WebkassaSimError(9, 'ReturnBasisDetails.IsOffline не совпадает с исходным чеком')
        }
      }
      // Cash leaves the drawer on a purchase and on a sale's return: not more than it holds.
      const cashOut = check.operationType === 0 || check.operationType === 3
      if (cashOut && check.cash > cashbox.cashBalance) throw new WebkassaSimError(8)

      const shift = shiftGuard(cashbox, now)
      const offline = !cashbox.ofdReachable
      const key = OPERATION_KEYS[check.operationType]!
      const totals = shift.operations[key]
      totals.count += 1
      totals.total += check.total
      totals.vat += check.vat
      totals.change += check.change
      for (const payment of check.payments) {
        totals.payments.set(payment.type, (totals.payments.get(payment.type) ?? 0n) + payment.sum)
      }
      cashbox.nonNullable[key] += check.total
      cashbox.cashBalance += cashOut ? -check.cash : check.cash
      shift.documentCount += 1
      shift.receiptCount += 1
      shift.offline ||= offline

      const checkNumber = ledger.nextFiscalNumber(offline)
      const data = {
        CheckNumber: checkNumber,
        DateTime: webkassaDateTime(now),
        DateTimeUTC: webkassaDateTimeOffset(now),
        OfflineMode: offline,
        CashboxOfflineMode: offline,
        Cashbox: cashboxView(cashbox),
        Organization: ORGANIZATION,
        CheckOrderNumber: shift.receiptCount,
        ShiftNumber: shift.number,
        EmployeeName: account.employeeName,
        TicketUrl: ticketUrl(checkNumber, cashbox, check.total, now),
        TicketPrintUrl: `https://${OFD_HOST}/print/${checkNumber}`,
      }
      const receipt: Receipt = {
        checkNumber,
        externalCheckNumber: external,
        cashbox: cashbox.uniqueNumber,
        shiftNumber: shift.number,
        checkOrderNumber: shift.receiptCount,
        operationType: check.operationType,
        total: check.total,
        offline,
        registeredAt: now,
        data,
      }
      ledger.add(receipt)
      return data
    },

    /** `POST /api/v4/MoneyOperation`: 0 deposit, 1 withdrawal (code 8 beyond the drawer); `Sum` answered = balance. */
    moneyOperation(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const now = clock.now()
      const external = externalNumber(body.ExternalCheckNumber)
      offlineGuard(cashbox, now)
      const current = openShift(cashbox)
      if (current && now.getTime() - current.openedAt.getTime() > SHIFT_LIMIT_MS) throw new WebkassaSimError(11)
      const original = external === undefined ? undefined : ledger.moneyByExternal(external)
      if (original) duplicate(original)
      const type = body.OperationType
      if (type !== 0 && type !== 1) throw new WebkassaSimError(9, 'OperationType должно быть 0 или 1')
      const sum = money(body.Sum, 'Sum', { positive: true })
      if (type === 1 && sum > cashbox.cashBalance) throw new WebkassaSimError(8)
      const shift = shiftGuard(cashbox, now)
      const offline = !cashbox.ofdReachable
      cashbox.cashBalance += type === 0 ? sum : -sum
      if (type === 0) shift.putMoney += sum
      else shift.takeMoney += sum
      shift.documentCount += 1
      shift.offline ||= offline
      const data = {
        OfflineMode: offline,
        CashboxOfflineMode: offline,
        ShiftNumber: shift.number,
        DateTime: webkassaDateTime(now),
        DateTimeUTC: webkassaDateTimeOffset(now),
        Sum: tenge(cashbox.cashBalance),
        Cashbox: cashboxView(cashbox),
      }
      ledger.addMoney({
        externalCheckNumber: external,
        cashbox: cashbox.uniqueNumber,
        shiftNumber: shift.number,
        operationType: type,
        sum,
        data,
      })
      return data
    },

    /** `POST /api/v4/XReport`: the open shift's totals; changes nothing (code 13 without an open shift). */
    xReport(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const now = clock.now()
      offlineGuard(cashbox, now)
      const shift = openShift(cashbox)
      if (!shift) throw new WebkassaSimError(13)
      cashbox.xReportCount += 1
      return reportOf(cashbox, shift, now, 'X')
    },

    /** `POST /api/v4/ZReport`: closes the open shift, whatever its age; 12 or 13 when there is none. */
    zReport(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const now = clock.now()
      offlineGuard(cashbox, now)
      const shift = openShift(cashbox)
      if (!shift) throw new WebkassaSimError(cashbox.shifts.length === 0 ? 13 : policy().repeatZReportCode)
      shift.closedAt = now
      return reportOf(cashbox, shift, now, 'Z')
    },

    /** `POST /api/v4/Cashboxes`: the user's cashboxes with their current or last shift. */
    cashboxList(account: Account) {
      const list = cashboxes
        .list()
        .filter((cashbox) => account.cashboxes.has(cashbox.uniqueNumber))
        .map((cashbox) => {
          const shift = cashbox.shifts.at(-1)
          return {
            UniqueNumber: cashbox.uniqueNumber,
            RegistrationNumber: cashbox.registrationNumber,
            IdentificationNumber: cashbox.identityNumber,
            Name: cashbox.name,
            Description: '',
            IsOffline: !cashbox.ofdReachable,
            CurrentStatus: currentStatus(cashbox),
            ...(shift ? { Shift: shiftView(shift) } : {}),
          }
        })
      return { List: list }
    },

    /** `POST /api/v4/Cashbox/ShiftHistory`: newest first. */
    shiftHistory(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const { skip, take } = page(body)
      const shifts = [...cashbox.shifts].reverse()
      return { Skip: skip, Take: take, Total: shifts.length, Shifts: shifts.slice(skip, skip + take).map(shiftView) }
    },

    /** `POST /api/v4/Check/History`: one shift's receipts in order, paged (`Take` ≤ 50). */
    checkHistory(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const shift = shiftNumbered(cashbox, body.ShiftNumber)
      const { skip, take } = page(body)
      const receipts = ledger.inShift(cashbox.uniqueNumber, shift.number)
      return {
        Skip: skip,
        Take: take,
        Total: receipts.length,
        Items: receipts.slice(skip, skip + take).map((receipt) => ({
          Number: receipt.checkNumber,
          ExternalCheckNumber: receipt.externalCheckNumber ?? '',
          IsOffline: receipt.offline,
          Total: tenge(receipt.total),
          OperationType: receipt.operationType,
          RegistratedOn: webkassaDateTime(receipt.registeredAt),
          RegistratedOnUtc: receipt.registeredAt.toISOString(),
          CheckOrderNumber: receipt.checkOrderNumber,
        })),
      }
    },

    /** `POST /api-history/v4/Ticket/GetTicketByExternalCheckNumber`: needs the shift; 16 elsewhere, 19 nowhere. */
    ticketByExternalNumber(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const external = externalNumber(body.ExternalCheckNumber)
      if (external === undefined) throw new WebkassaSimError(9, 'ExternalCheckNumber обязательно')
      const shift = shiftNumbered(cashbox, body.ShiftNumber)
      const receipt = ledger.byExternal(external)
      if (!receipt || receipt.cashbox !== cashbox.uniqueNumber) throw new WebkassaSimError(19)
      if (receipt.shiftNumber !== shift.number) throw new WebkassaSimError(16)
      return receipt.data
    },

    /** `POST /api/v4/Check/HistoryByNumber`: a receipt by its fiscal number in a shift. */
    historyByNumber(account: Account, body: Body) {
      const cashbox = cashboxFor(account, body)
      const number = body.Number
      if (typeof number !== 'string' || number === '' || number.length > 64) {
        throw new WebkassaSimError(9, 'Number обязательно')
      }
      const shift = shiftNumbered(cashbox, body.ShiftNumber)
      const receipt = ledger.byNumber(number)
      if (!receipt || receipt.cashbox !== cashbox.uniqueNumber || receipt.shiftNumber !== shift.number) {
        throw new WebkassaSimError(16)
      }
      return receipt.data
    },

    /** Takes the OFD link of a cashbox away (autonomous mode starts now) or gives it back. */
    setOfdReachable(cashbox: Cashbox, reachable: boolean) {
      if (reachable) {
        cashbox.ofdReachable = true
        cashbox.offlineSince = undefined
      } else if (cashbox.ofdReachable) {
        cashbox.ofdReachable = false
        cashbox.offlineSince = clock.now().getTime()
      }
    },
  }
}

function shiftView(shift: Shift) {
  return {
    ShiftNumber: shift.number,
    OpenDate: webkassaDateTime(shift.openedAt),
    ...(shift.closedAt ? { CloseDate: webkassaDateTime(shift.closedAt) } : {}),
  }
}

export type WebkassaSim = ReturnType<typeof createWebkassaSim>
