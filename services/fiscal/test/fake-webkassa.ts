import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type {
  CashboxesData,
  CheckData,
  CheckHistoryData,
  CheckHistoryItem,
  CheckRequest,
  ShiftHistoryData,
  WebkassaClient,
  WebkassaErrorItem,
  WebkassaResult,
  XZReportData,
} from '@kokdala/webkassa'
import { SECRETS } from './secrets.ts'

/** What the next `check` does instead of behaving (one fault per call, in order). */
export type CheckFault =
  /** Records the receipt, then the answer is lost (a timeout). */
  | 'commit-then-drop'
  /** Nothing recorded, the answer lost. */
  | 'drop'
  /** Errors with these codes, nothing recorded. */
  | { codes: number[] }

interface Receipt {
  request: CheckRequest
  data: CheckData
  totalTiyn: bigint
}

interface Cashbox {
  shift: number
  shiftOpen: boolean
  order: number
  receipts: Receipt[]
}

export interface FakeWebkassaOptions {
  /** A new login invalidates every older token at once (Webkassa's likely behaviour, research §1.2). */
  strict?: boolean
  /** How long Authorize takes. */
  authorizeMs?: number
  /** How long a call takes; the token is checked when it ends, so a login meanwhile refuses it. */
  callMs?: number
  /** A repeated external number's code 14 carries the first receipt's `Data` (Webkassa does so on some versions). */
  duplicateData?: boolean
}

/** The token `plainSession` calls with: valid from the start, until a login (strict) or `expireAll` ends it. */
export const STANDING_TOKEN = 'fake-token'

/**
 * An in-test Webkassa behind the `WebkassaClient` interface. Tokens: Authorize issues one (code 1 for a wrong
 * password), every call checks its token when the call ends — code 2 for an expired or replaced token, code 3 for one
 * never issued — and logins and calls can be held at gates. Receipts: shifts that open with the first receipt,
 * receipts kept by external number (14 on a repeat, with or without `Data`), lookups, history, Z/X reports, scripted
 * faults; a test that overlaps two calls on one cashbox is counted (Webkassa's code 9 rule).
 */
export function createFakeWebkassa({
  strict = true,
  authorizeMs = 20,
  callMs = 5,
  duplicateData = false,
}: FakeWebkassaOptions = {}) {
  const valid = new Set<string>([STANDING_TOKEN])
  const issued = new Set<string>([STANDING_TOKEN])
  const stats = { authorize: 0, calls: 0 }
  let password: string = SECRETS.password
  let loginsWithoutAnswer = 0
  /** Held calls and logins wait here until released (tests that need a call to be in flight at a given moment). */
  const gates = { calls: gate(), authorize: gate() }
  const boxes = new Map<string, Cashbox>()
  const byNumber = new Map<string, { cashbox: string; receipt: Receipt }>()
  const faults: CheckFault[] = []
  const calls: string[] = []
  const zReports: string[] = []
  let parked: { code: number } | null = null
  const inFlight = new Set<string>()
  let overlaps = 0
  let sent = 0

  const box = (znk: string): Cashbox => {
    let b = boxes.get(znk)
    if (!b) {
      b = { shift: 1, shiftOpen: false, order: 0, receipts: [] }
      boxes.set(znk, b)
    }
    return b
  }
  const errors = <T>(...codes: number[]): WebkassaResult<T> => ({
    kind: 'errors',
    errors: codes.map((Code): WebkassaErrorItem => ({ Code, Text: `code ${Code}` })),
  })
  const tenge = (tiyn: bigint) => Number(tiyn) / 100
  const totalOf = (r: CheckRequest) =>
    r.Positions.reduce((sum, p) => sum + BigInt(Math.round(p.Price * 100)) * BigInt(p.Count), 0n)

  /** Code 3 for a token never issued, 2 for one expired or replaced; undefined for a valid one. */
  const refused = <T>(token: string): WebkassaResult<T> | undefined => {
    if (!issued.has(token)) return { kind: 'errors', errors: [{ Code: 3, Text: 'Пользователь не авторизован' }] }
    if (!valid.has(token)) return { kind: 'errors', errors: [{ Code: 2, Text: 'Срок действия сессии истек' }] }
    return undefined
  }

  /** One call on a cashbox: counted, held at the gate, its token checked when it ends, overlaps on a cashbox counted. */
  async function serial<T>(token: string, znk: string, fn: () => WebkassaResult<T>): Promise<WebkassaResult<T>> {
    stats.calls++
    await gates.calls.pass()
    if (inFlight.has(znk)) overlaps += 1
    inFlight.add(znk)
    try {
      await (callMs > 0 ? sleep(callMs) : new Promise((resolve) => setImmediate(resolve)))
      return refused<T>(token) ?? fn()
    } finally {
      inFlight.delete(znk)
    }
  }

  const client: WebkassaClient = {
    async authorize(login, given) {
      stats.authorize++
      await gates.authorize.pass()
      await sleep(authorizeMs)
      if (loginsWithoutAnswer > 0) {
        loginsWithoutAnswer--
        return { kind: 'unknown', reason: 'timeout' }
      }
      if (login !== SECRETS.login || given !== password) {
        return { kind: 'errors', errors: [{ Code: 1, Text: 'Неверный логин и/или пароль' }] }
      }
      const token = `${SECRETS.tokenMarker}${randomBytes(12).toString('hex')}`
      if (strict) valid.clear()
      valid.add(token)
      issued.add(token)
      return { kind: 'ok', data: { Token: token } }
    },
    async check(token, request) {
      calls.push(`check ${request.ExternalCheckNumber}`)
      return serial(token, request.CashboxUniqueNumber, (): WebkassaResult<CheckData> => {
        const fault = faults.shift()
        if (fault && typeof fault === 'object') return errors(...fault.codes)
        if (fault === 'drop') return { kind: 'unknown', reason: 'timeout' }
        if (parked) return errors(parked.code)
        const existing = byNumber.get(request.ExternalCheckNumber)
        if (existing) {
          const dup = errors<CheckData>(14)
          return duplicateData && dup.kind === 'errors' ? { ...dup, data: existing.receipt.data } : dup
        }
        const b = box(request.CashboxUniqueNumber)
        b.shiftOpen = true
        b.order += 1
        sent += 1
        const data: CheckData = {
          CheckNumber: `FP${String(sent).padStart(8, '0')}`,
          DateTime: '05.01.2026 14:03:00',
          OfflineMode: false,
          CashboxOfflineMode: false,
          CheckOrderNumber: b.order,
          ShiftNumber: b.shift,
          TicketUrl: `https://ofd.example/t/${sent}`,
          Cashbox: { UniqueNumber: request.CashboxUniqueNumber, RegistrationNumber: 'RNM-1', IdentityNumber: 'ID-1' },
        }
        const receipt = { request, data, totalTiyn: totalOf(request) }
        b.receipts.push(receipt)
        byNumber.set(request.ExternalCheckNumber, { cashbox: request.CashboxUniqueNumber, receipt })
        if (fault === 'commit-then-drop') return { kind: 'unknown', reason: 'timeout' }
        return { kind: 'ok', data }
      })
    },
    async xReport(token, cashbox) {
      calls.push(`x ${cashbox}`)
      return serial(token, cashbox, (): WebkassaResult<XZReportData> => {
        const b = box(cashbox)
        return { kind: 'ok', data: report(cashbox, b) }
      })
    },
    async zReport(token, cashbox) {
      calls.push(`z ${cashbox}`)
      zReports.push(cashbox)
      return serial(token, cashbox, (): WebkassaResult<XZReportData> => {
        const b = box(cashbox)
        if (!b.shiftOpen) return errors(13)
        const data = report(cashbox, b)
        b.shift += 1
        b.shiftOpen = false
        b.order = 0
        return { kind: 'ok', data }
      })
    },
    async cashboxes(token) {
      calls.push('cashboxes')
      const refusal = refused<CashboxesData>(token)
      if (refusal) return refusal
      const data: CashboxesData = {
        List: [...boxes.entries()].map(([znk, b]) => ({
          UniqueNumber: znk,
          RegistrationNumber: 'RNM-1',
          IdentificationNumber: 'ID-1',
          Name: znk,
          IsOffline: false,
          CurrentStatus: 1,
          Shift: { ShiftNumber: b.shift, OpenDate: '05.01.2026 09:00:00' },
        })),
      }
      return { kind: 'ok', data }
    },
    async shiftHistory(token): Promise<WebkassaResult<ShiftHistoryData>> {
      return refused(token) ?? { kind: 'ok', data: { Skip: 0, Take: 50, Total: 0, Shifts: [] } }
    },
    async checkHistory(token, cashbox, shiftNumber, page) {
      calls.push(`history ${shiftNumber}`)
      const refusal = refused<CheckHistoryData>(token)
      if (refusal) return refusal
      const items: CheckHistoryItem[] = [...byNumber.entries()]
        .filter(([, v]) => v.cashbox === cashbox && v.receipt.data.ShiftNumber === shiftNumber)
        .map(([ext, v]) => ({
          Number: v.receipt.data.CheckNumber,
          ExternalCheckNumber: ext,
          IsOffline: false,
          Total: tenge(v.receipt.totalTiyn),
          OperationType: v.receipt.request.OperationType,
          RegistratedOn: v.receipt.data.DateTime,
          CheckOrderNumber: v.receipt.data.CheckOrderNumber,
        }))
        .sort((a, b) => a.CheckOrderNumber - b.CheckOrderNumber)
      const data: CheckHistoryData = {
        Skip: page.skip,
        Take: page.take,
        Total: items.length,
        Items: items.slice(page.skip, page.skip + page.take),
      }
      return { kind: 'ok', data }
    },
    async ticketByExternalNumber(token, cashbox, externalCheckNumber, shiftNumber) {
      calls.push(`ticket ${externalCheckNumber} ${shiftNumber}`)
      const refusal = refused<CheckData>(token)
      if (refusal) return refusal
      const found = byNumber.get(externalCheckNumber)
      if (!found || found.cashbox !== cashbox || found.receipt.data.ShiftNumber !== shiftNumber) return errors(19)
      return { kind: 'ok', data: found.receipt.data }
    },
    async close() {},
  }

  function report(cashbox: string, b: Cashbox): XZReportData {
    return {
      ReportNumber: b.shift,
      ShiftNumber: b.shift,
      CashboxSN: cashbox,
      StartOn: '05.01.2026 09:00:00',
      ReportOn: '05.01.2026 18:00:00',
      DocumentCount: b.order,
      SumInCashbox: 0,
      OfflineMode: false,
      CashboxOfflineMode: false,
    }
  }

  return {
    client,
    stats,
    gates,
    /** Every token issued so far expires (code 2 from now on). */
    expireAll() {
      valid.clear()
    },
    /** The next `count` logins get no answer (a timeout). */
    failNextLogins(count: number) {
      loginsWithoutAnswer = count
    },
    /** The account's password changes at Webkassa (ours is then wrong). */
    changePassword(next: string) {
      password = next
    },
    /** The tokens logins were given, in order. */
    issuedTokens: () => [...issued].filter((token) => token !== STANDING_TOKEN),
    /** Scripts the next `check` calls. */
    fault(...next: CheckFault[]) {
      faults.push(...next)
    },
    /** Every later `check` answers this code until `unpark`. */
    park(code: number) {
      parked = { code }
    },
    unpark() {
      parked = null
    },
    /** Receipts Webkassa holds under an external number (exactly-once is 1). */
    count(externalNumber: string): number {
      return byNumber.has(externalNumber) ? 1 : 0
    },
    receipt(externalNumber: string) {
      return byNumber.get(externalNumber)?.receipt
    },
    receipts: () => [...byNumber.values()].map((v) => v.receipt),
    calls,
    zReports,
    overlaps: () => overlaps,
  }
}

export type FakeWebkassa = ReturnType<typeof createFakeWebkassa>

/** A session that runs every call with the fake's standing token (the tokens module's refresh is tested there). */
export const plainSession = {
  withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>> {
    return call(STANDING_TOKEN)
  },
}

/** A gate: while held, `pass()` waits until `release()`; `waiting` counts who is held. */
function gate() {
  let held: { promise: Promise<void>; resolve: () => void } | undefined
  let waiting = 0
  return {
    hold() {
      let resolve = () => {}
      const promise = new Promise<void>((done) => {
        resolve = done
      })
      held = { promise, resolve }
    },
    release() {
      held?.resolve()
      held = undefined
    },
    get waiting() {
      return waiting
    },
    async pass() {
      if (!held) return
      waiting++
      await held.promise
      waiting--
    },
  }
}
