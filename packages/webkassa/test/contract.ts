import assert from 'node:assert/strict'
import type { Tiyn } from '@kokdala/core'
import { type ContractSubject, defineContract } from '@kokdala/sim-kit/contract'
import {
  type CheckData,
  type CheckRequest,
  tiynToTenge,
  vatIncludedTiyn,
  type WebkassaHttpClient,
  type WebkassaResult,
} from '../src/index.ts'

/** What only a simulator can do: drive time, faults and its state from the outside, and count what it holds. */
export interface WebkassaSimControl {
  /** A cashbox of its own for one case (no shift yet), so aged shifts and offline modes touch nobody else. */
  freshCashbox(): Promise<string>
  expireTokens(): Promise<void>
  /** Moves simulated time; returns the undo (cases put time back so later cases see fresh shifts and tokens). */
  advanceClock(ms: number): Promise<() => Promise<void>>
  /** Sets simulator switches; returns the undo. */
  setFaults(patch: Record<string, unknown>): Promise<() => Promise<void>>
  setOfdReachable(cashbox: string, reachable: boolean): Promise<void>
  /** The next `n` successful checks are recorded and then answered with a cut connection. */
  commitThenDrop(n: number): Promise<void>
  /** The inspection: receipts and requests per external number, Authorize calls. */
  receipts(): Promise<{
    total: number
    byExternalNumber: Record<string, { receipts: number; attempts: number }>
    authorize: { total: number }
  }>
  /** This simulator also reached under another host (for the 505 failover), and a client that may go there. */
  failover(): { primaryHost: string; alternativeHost: string; client: WebkassaHttpClient }
  /** A client that gives up after `timeoutMs`. */
  impatientClient(timeoutMs: number): WebkassaHttpClient
}

export interface WebkassaContractSubject extends ContractSubject {
  client: WebkassaHttpClient
  login: string
  password: string
  /** A cashbox the account may use for receipts. */
  cashbox: string
  /** A fresh external number for each receipt (≤ 50 ASCII, unique across runs against a real environment). */
  externalNumber(): string
  control?: WebkassaSimControl
}

const VAT = 16

/** A sale of one line of `tiyn` paid by `paymentType`, as the fiscal service will send it. */
export function sale(
  cashbox: string,
  external: string,
  tiyn: Tiyn = 50000n,
  paymentType: 0 | 1 | 4 = 4,
  operationType: 2 | 3 = 2,
): CheckRequest {
  return {
    CashboxUniqueNumber: cashbox,
    OperationType: operationType,
    Positions: [
      {
        Count: 1,
        Price: tiynToTenge(tiyn),
        TaxPercent: VAT,
        Tax: tiynToTenge(vatIncludedTiyn(tiyn, VAT)),
        TaxType: 100,
        PositionName: 'Билет (contract)',
        UnitCode: 796,
      },
    ],
    Payments: [{ Sum: tiynToTenge(tiyn), PaymentType: paymentType }],
    RoundType: 2,
    ExternalCheckNumber: external,
  }
}

function ok<T>(result: WebkassaResult<T>, what: string): T {
  assert.equal(result.kind, 'ok', `${what}: ${JSON.stringify(result)}`)
  return (result as { data: T }).data
}

function codes(result: WebkassaResult<unknown>): number[] {
  assert.equal(result.kind, 'errors', `expected errors, got ${JSON.stringify(result)}`)
  return (result as { errors: { Code: number }[] }).errors.map((error) => error.Code)
}

async function login(s: WebkassaContractSubject): Promise<string> {
  return ok(await s.client.authorize(s.login, s.password), 'authorize').Token
}

async function sell(s: WebkassaContractSubject, token: string, cashbox = s.cashbox, tiyn?: Tiyn): Promise<CheckData> {
  return ok(await s.client.check(token, sale(cashbox, s.externalNumber(), tiyn)), 'check')
}

/**
 * What Webkassa v4 does, as one matrix run by `packages/webkassa/test/contract.test.ts` against the simulator and,
 * with credentials in the environment, against Webkassa's test environment. Cases needing `control` are the
 * simulator's (time, faults, inspection); the rest settle the research's [verify] items when run for real, and a
 * difference there means the simulator's default must change.
 */
export const webkassaContract = defineContract<WebkassaContractSubject>('Webkassa v4 contract', [
  {
    name: 'Authorize with the right credentials gives a token; every call a new one',
    async run(s) {
      const first = await login(s)
      const second = await login(s)
      assert.match(first, /^\S{16,200}$/)
      assert.notEqual(first, second)
    },
  },
  {
    name: 'a wrong password is code 1',
    async run(s) {
      assert.deepEqual(codes(await s.client.authorize(s.login, `${s.password}-wrong`)), [1])
    },
  },
  {
    name: 'a missing or garbage token is code 3 (or 2), never data',
    async run(s) {
      for (const token of ['', 'not-a-token', '0123456789abcdef0123456789abcdef']) {
        const [code] = codes(await s.client.cashboxes(token))
        assert.ok(code === 3 || code === 2, `token ${JSON.stringify(token)} → ${code}`)
      }
    },
  },
  {
    name: 'a newer login invalidates the older token (code 2), the strict reading the simulator defaults to',
    async run(s) {
      const old = await login(s)
      const fresh = await login(s)
      assert.deepEqual(codes(await s.client.cashboxes(old)), [2])
      ok(await s.client.cashboxes(fresh), 'cashboxes with the newest token')
    },
  },
  {
    name: 'Cashboxes lists the account’s cashbox with its shift, offline flag and status',
    async run(s) {
      const token = await login(s)
      const { List } = ok(await s.client.cashboxes(token), 'cashboxes')
      const mine = List.find((cashbox) => cashbox.UniqueNumber === s.cashbox)
      assert.ok(mine, `${s.cashbox} not in ${JSON.stringify(List.map((c) => c.UniqueNumber))}`)
      assert.equal(typeof mine.IsOffline, 'boolean')
      assert.equal(typeof mine.CurrentStatus, 'number')
    },
  },
  {
    name: 'an unknown cashbox is code 6',
    async run(s) {
      const token = await login(s)
      assert.deepEqual(codes(await s.client.check(token, sale('SWK99999999', s.externalNumber()))), [6])
    },
  },
  {
    name: 'a happy sale answers the fiscal sign, its shift and order number, and the OFD link',
    async run(s) {
      const token = await login(s)
      const receipt = await sell(s, token)
      assert.match(receipt.CheckNumber, /^\d+$/)
      assert.ok(Number.isInteger(receipt.ShiftNumber) && receipt.ShiftNumber > 0)
      assert.ok(Number.isInteger(receipt.CheckOrderNumber) && receipt.CheckOrderNumber > 0)
      assert.match(receipt.TicketUrl, /^https?:\/\//)
      assert.equal(typeof receipt.OfflineMode, 'boolean')
      assert.equal(receipt.Cashbox.UniqueNumber, s.cashbox)
    },
  },
  {
    name: 'the same external number again is code 14; any Data with it is the original receipt',
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber())
      const original = ok(await s.client.check(token, request), 'first check')
      const again = await s.client.check(token, request)
      assert.deepEqual(codes(again), [14])
      if (again.kind === 'errors' && again.data) assert.equal(again.data.CheckNumber, original.CheckNumber)
    },
  },
  {
    name: 'a receipt is found again by its external number, in the shift history and by its fiscal number',
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber())
      const receipt = ok(await s.client.check(token, request), 'check')
      const found = ok(
        await s.client.ticketByExternalNumber(token, s.cashbox, request.ExternalCheckNumber, receipt.ShiftNumber),
        'ticket by external number',
      )
      assert.equal(found.CheckNumber, receipt.CheckNumber)
      const byNumber = ok(
        await s.client.checkHistoryByNumber(token, s.cashbox, receipt.CheckNumber, receipt.ShiftNumber),
        'history by number',
      )
      assert.equal(byNumber.CheckNumber, receipt.CheckNumber)
      const first = ok(
        await s.client.checkHistory(token, s.cashbox, receipt.ShiftNumber, { skip: 0, take: 50 }),
        'history',
      )
      const items = [...first.Items]
      for (let skip = 50; skip < first.Total; skip += 50) {
        items.push(
          ...ok(await s.client.checkHistory(token, s.cashbox, receipt.ShiftNumber, { skip, take: 50 }), 'page').Items,
        )
      }
      const row = items.find((item) => item.ExternalCheckNumber === request.ExternalCheckNumber)
      assert.ok(row, 'the receipt is in its shift history')
      assert.equal(row.Number, receipt.CheckNumber)
    },
  },
  {
    name: 'a receipt whose payments repeat a PaymentType is refused with code 9 and leaves no receipt',
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber(), 50000n)
      request.Payments = [
        { Sum: 250, PaymentType: 4 },
        { Sum: 250, PaymentType: 4 },
      ]
      assert.deepEqual(codes(await s.client.check(token, request)), [9])
      ok(await s.client.check(token, sale(s.cashbox, request.ExternalCheckNumber)), 'the same number still free')
    },
  },
  {
    name: 'a return without ReturnBasisDetails is refused with code 9',
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber(), 50000n, 4, 3)
      assert.deepEqual(codes(await s.client.check(token, request)), [9])
    },
  },
  {
    name: 'a return names its sale in ReturnBasisDetails and is accepted',
    async run(s) {
      const token = await login(s)
      const original = await sell(s, token)
      const request = sale(s.cashbox, s.externalNumber(), 50000n, 4, 3)
      request.ReturnBasisDetails = {
        CheckNumber: original.CheckNumber,
        DateTime: new Date().toISOString(),
        RegistrationNumber: original.Cashbox.RegistrationNumber,
        Total: 500,
        IsOffline: original.OfflineMode,
      }
      const back = ok(await s.client.check(token, request), 'return')
      assert.notEqual(back.CheckNumber, original.CheckNumber)
    },
  },
  {
    name: 'an X report changes nothing: two in a row agree',
    async run(s) {
      const token = await login(s)
      await sell(s, token)
      const first = ok(await s.client.xReport(token, s.cashbox), 'x report')
      const second = ok(await s.client.xReport(token, s.cashbox), 'x report again')
      assert.equal(second.ShiftNumber, first.ShiftNumber)
      assert.equal(second.DocumentCount, first.DocumentCount)
      assert.equal(second.SumInCashbox, first.SumInCashbox)
    },
  },
  // --- the simulator's cases: time, faults and inspection ---
  {
    name: 'an expired token is code 2; a new login works',
    needs: ['control'],
    async run(s) {
      const token = await login(s)
      await s.control!.expireTokens()
      assert.deepEqual(codes(await s.client.cashboxes(token)), [2])
      ok(await s.client.cashboxes(await login(s)), 'cashboxes after a new login')
    },
  },
  {
    name: 'the first sale opens a shift; Z closes it with its totals; the next sale opens the next shift',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      const token = await login(s)
      const first = await sell(s, token, cashbox, 50000n)
      await sell(s, token, cashbox, 25050n)
      assert.equal(first.ShiftNumber, 1)
      const z = ok(await s.client.zReport(token, cashbox), 'z report')
      assert.equal(z.ShiftNumber, 1)
      assert.equal(z.DocumentCount, 2)
      assert.ok(z.CloseOn)
      const next = await sell(s, token, cashbox)
      assert.equal(next.ShiftNumber, 2)
      assert.equal(next.CheckOrderNumber, 1)
      const history = ok(await s.client.shiftHistory(token, cashbox, { skip: 0, take: 10 }), 'shift history')
      assert.deepEqual(
        history.Shifts.map((shift) => [shift.ShiftNumber, shift.CloseDate !== undefined]),
        [
          [2, false],
          [1, true],
        ],
      )
    },
  },
  {
    name: 'a second Z report is code 12 (or 13 when so switched)',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      const token = await login(s)
      assert.deepEqual(codes(await s.client.zReport(token, cashbox)), [13], 'never opened: nothing to close')
      await sell(s, token, cashbox)
      ok(await s.client.zReport(token, cashbox), 'z report')
      assert.deepEqual(codes(await s.client.zReport(token, cashbox)), [12])
      const undo = await s.control!.setFaults({ repeatZReportCode: 13 })
      try {
        assert.deepEqual(codes(await s.client.zReport(token, cashbox)), [13])
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'a shift over 24 h is code 11 until a Z report closes it; then the same receipt goes through',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      let token = await login(s)
      await sell(s, token, cashbox)
      const undo = await s.control!.advanceClock(24 * 3_600_000 + 60_000)
      try {
        token = await login(s)
        const request = sale(cashbox, s.externalNumber())
        assert.deepEqual(codes(await s.client.check(token, request)), [11])
        ok(await s.client.zReport(token, cashbox), 'z report of the old shift')
        const replayed = ok(await s.client.check(token, request), 'replay')
        assert.equal(replayed.ShiftNumber, 2)
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'code 14 comes with the original Data when switched so, and without it by default',
    needs: ['control'],
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber())
      const original = ok(await s.client.check(token, request), 'check')
      const bare = await s.client.check(token, request)
      assert.deepEqual(codes(bare), [14])
      assert.equal((bare as { data?: unknown }).data, undefined)
      const undo = await s.control!.setFaults({ duplicateWithData: true })
      try {
        const withData = await s.client.check(token, request)
        assert.deepEqual(codes(withData), [14])
        assert.equal(withData.kind === 'errors' ? withData.data?.CheckNumber : undefined, original.CheckNumber)
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'OFD unreachable: receipts come back OfflineMode; a return of one names IsOffline; past 72 h every operation is 18',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      let token = await login(s)
      await s.control!.setOfdReachable(cashbox, false)
      const offline = await sell(s, token, cashbox)
      assert.equal(offline.OfflineMode, true)
      assert.equal(offline.CashboxOfflineMode, true)
      const back = sale(cashbox, s.externalNumber(), 50000n, 4, 3)
      back.ReturnBasisDetails = {
        CheckNumber: offline.CheckNumber,
        DateTime: new Date().toISOString(),
        RegistrationNumber: offline.Cashbox.RegistrationNumber,
        Total: 500,
        IsOffline: false,
      }
      assert.deepEqual(codes(await s.client.check(token, back)), [9], 'IsOffline must say the sale was offline')
      back.ReturnBasisDetails.IsOffline = true
      ok(await s.client.check(token, back), 'return of an offline sale')
      const undo = await s.control!.advanceClock(72 * 3_600_000 + 60_000)
      try {
        token = await login(s)
        assert.deepEqual(codes(await s.client.check(token, sale(cashbox, s.externalNumber()))), [18])
        assert.deepEqual(codes(await s.client.zReport(token, cashbox)), [18])
        await s.control!.setOfdReachable(cashbox, true)
        ok(await s.client.zReport(token, cashbox), 'z report once the OFD is back')
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'cash: deposits and withdrawals move the balance; a withdrawal beyond it is code 8',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      const token = await login(s)
      const put = ok(
        await s.client.moneyOperation(token, {
          CashboxUniqueNumber: cashbox,
          OperationType: 0,
          Sum: 1000,
          ExternalCheckNumber: s.externalNumber(),
        }),
        'deposit',
      )
      assert.equal(put.Sum, 1000)
      await sell(s, token, cashbox) // paid by mobile: no cash
      const cashSale = ok(await s.client.check(token, sale(cashbox, s.externalNumber(), 25050n, 0)), 'cash sale')
      assert.ok(cashSale.CheckNumber)
      const over = await s.client.moneyOperation(token, {
        CashboxUniqueNumber: cashbox,
        OperationType: 1,
        Sum: 1250.51,
        ExternalCheckNumber: s.externalNumber(),
      })
      assert.deepEqual(codes(over), [8])
      const take = ok(
        await s.client.moneyOperation(token, {
          CashboxUniqueNumber: cashbox,
          OperationType: 1,
          Sum: 1250.5,
          ExternalCheckNumber: s.externalNumber(),
        }),
        'withdrawal of everything',
      )
      assert.equal(take.Sum, 0)
    },
  },
  {
    name: 'overlapping requests on one cashbox: one goes through, the others are code 9',
    needs: ['control'],
    async run(s) {
      const cashbox = await s.control!.freshCashbox()
      const token = await login(s)
      const undo = await s.control!.setFaults({ cashboxLatencyMs: 100 })
      try {
        const results = await Promise.all(
          Array.from({ length: 5 }, () => s.client.check(token, sale(cashbox, s.externalNumber()))),
        )
        assert.equal(results.filter((r) => r.kind === 'ok').length, 1)
        for (const result of results.filter((r) => r.kind !== 'ok')) assert.deepEqual(codes(result), [9])
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'commit-then-drop: the answer is lost (unknown), the receipt exists once and is found by its number',
    needs: ['control'],
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber())
      await s.control!.commitThenDrop(1)
      const lost = await s.client.check(token, request)
      assert.deepEqual(lost, { kind: 'unknown', reason: 'network' })
      assert.deepEqual(codes(await s.client.check(token, request)), [14])
      const { ShiftNumber } = ok(await s.client.xReport(token, s.cashbox), 'x report')
      const found = ok(
        await s.client.ticketByExternalNumber(token, s.cashbox, request.ExternalCheckNumber, ShiftNumber),
        'lookup',
      )
      assert.equal(found.Cashbox.UniqueNumber, s.cashbox)
      const counts = await s.control!.receipts()
      assert.deepEqual(counts.byExternalNumber[request.ExternalCheckNumber], { receipts: 1, attempts: 2 })
    },
  },
  {
    name: 'a slow answer past the client’s timeout is unknown/timeout, and the receipt may still exist',
    needs: ['control'],
    async run(s) {
      const token = await login(s)
      const request = sale(s.cashbox, s.externalNumber())
      const undo = await s.control!.setFaults({ cashboxLatencyMs: 300 })
      try {
        assert.deepEqual(await s.control!.impatientClient(100).check(token, request), {
          kind: 'unknown',
          reason: 'timeout',
        })
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 350))
        await undo()
      }
      assert.equal((await s.control!.receipts()).byExternalNumber[request.ExternalCheckNumber]?.receipts, 1)
    },
  },
  {
    name: '505 with AlternativeDomainNames: the client retries once on the allowed host; the receipt exists once',
    needs: ['control'],
    async run(s) {
      const { primaryHost, alternativeHost, client } = s.control!.failover()
      const token = await login(s)
      const undo = await s.control!.setFaults({
        unavailableHost: primaryHost,
        alternativeDomainNames: `evil.example.com,${alternativeHost}`,
      })
      try {
        const request = sale(s.cashbox, s.externalNumber())
        // The plain client may go nowhere else: the 505 is its answer and nothing was recorded.
        assert.deepEqual(codes(await s.client.check(token, request)), [505])
        ok(await client.check(token, request), 'check through the alternative host')
        assert.deepEqual((await s.control!.receipts()).byExternalNumber[request.ExternalCheckNumber], {
          receipts: 1,
          attempts: 1,
        })
      } finally {
        await undo()
      }
    },
  },
  {
    name: 'the inspection counts every Authorize',
    needs: ['control'],
    async run(s) {
      const before = (await s.control!.receipts()).authorize.total
      await login(s)
      await s.client.authorize(s.login, 'wrong')
      assert.equal((await s.control!.receipts()).authorize.total, before + 2)
    },
  },
])
