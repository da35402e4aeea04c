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

/**
 * An in-test Webkassa behind the `WebkassaClient` interface: shifts that open with the first receipt, receipts kept
 * by external number (14 on a repeat, with or without `Data`), lookups, history, Z/X reports, and scripted faults.
 * It also fails a test that overlaps two calls on one cashbox (Webkassa's code 9 rule).
 */
export function fakeWebkassa(options: { duplicateData?: boolean } = {}) {
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

  async function serial<T>(znk: string, fn: () => T): Promise<T> {
    if (inFlight.has(znk)) overlaps += 1
    inFlight.add(znk)
    try {
      await new Promise((resolve) => setImmediate(resolve))
      return fn()
    } finally {
      inFlight.delete(znk)
    }
  }

  const client: WebkassaClient = {
    async authorize() {
      return { kind: 'ok', data: { Token: 'fake-token' } }
    },
    async check(_token, request) {
      calls.push(`check ${request.ExternalCheckNumber}`)
      return serial(request.CashboxUniqueNumber, (): WebkassaResult<CheckData> => {
        const fault = faults.shift()
        if (fault && typeof fault === 'object') return errors(...fault.codes)
        if (fault === 'drop') return { kind: 'unknown', reason: 'timeout' }
        if (parked) return errors(parked.code)
        const existing = byNumber.get(request.ExternalCheckNumber)
        if (existing) {
          const dup = errors<CheckData>(14)
          return options.duplicateData && dup.kind === 'errors' ? { ...dup, data: existing.receipt.data } : dup
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
    async xReport(_token, cashbox) {
      calls.push(`x ${cashbox}`)
      return serial(cashbox, (): WebkassaResult<XZReportData> => {
        const b = box(cashbox)
        return { kind: 'ok', data: report(cashbox, b) }
      })
    },
    async zReport(_token, cashbox) {
      calls.push(`z ${cashbox}`)
      zReports.push(cashbox)
      return serial(cashbox, (): WebkassaResult<XZReportData> => {
        const b = box(cashbox)
        if (!b.shiftOpen) return errors(13)
        const data = report(cashbox, b)
        b.shift += 1
        b.shiftOpen = false
        b.order = 0
        return { kind: 'ok', data }
      })
    },
    async cashboxes() {
      calls.push('cashboxes')
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
    async shiftHistory(): Promise<WebkassaResult<ShiftHistoryData>> {
      return { kind: 'ok', data: { Skip: 0, Take: 50, Total: 0, Shifts: [] } }
    },
    async checkHistory(_token, cashbox, shiftNumber, page) {
      calls.push(`history ${shiftNumber}`)
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
    async ticketByExternalNumber(_token, cashbox, externalCheckNumber, shiftNumber) {
      calls.push(`ticket ${externalCheckNumber} ${shiftNumber}`)
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

export type FakeWebkassa = ReturnType<typeof fakeWebkassa>

/** A session that runs every call with one token (the tokens module's refresh is tested there). */
export const plainSession = {
  withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>> {
    return call('fake-token')
  },
}

/** A receipt as GET /api/receipts shows it (what these tests read). */
export interface ReceiptJson {
  id: number
  external_number: string
  kind: string
  total: string
  commission: string
  status: string
  cashbox: string
  original_receipt_id: number | null
  fiscal: { check_number: string; shift_number: number; ticket_url: string; via: string }
  last_error: string
  last_error_code: number
  attempts: Array<{ outcome: string }>
}
