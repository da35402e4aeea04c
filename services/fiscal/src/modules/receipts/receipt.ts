import type { Tiyn } from '@kokdala/core'
import {
  type CheckPayment,
  type CheckPosition,
  type CheckRequest,
  MAX_AMOUNT_TIYN,
  OPERATION_TYPES,
  type PaymentType,
  type ReturnBasisDetails,
  tiynToTenge,
  vatIncludedTiyn,
} from '@kokdala/webkassa'

/** One line of a receipt, money in tiyn; `count` is whole (pieces, services). */
export interface ReceiptLine {
  name: string
  count: number
  /** Price of one unit, tiyn. */
  priceTiyn: Tiyn
  /** 0 = no VAT (TaxType 0); otherwise VAT included at this rate (TaxType 100). */
  vatPercent: number
  /** Webkassa RefUnits code; 796 = pieces. */
  unitCode: number
}

export interface ReceiptPayment {
  type: PaymentType
  sumTiyn: Tiyn
}

export type ReceiptKind = 'sale' | 'sale_return'

/** What a receipt says, as stored before its first send and sent unchanged on every retry. */
export interface ReceiptContent {
  kind: ReceiptKind
  lines: ReceiptLine[]
  payments: ReceiptPayment[]
}

/** A receipt's total: the sum of its lines (equal to the sum of its payments, checked by `assertBalanced`). */
export function totalOf(content: ReceiptContent): Tiyn {
  return content.lines.reduce((sum, line) => sum + BigInt(line.count) * line.priceTiyn, 0n)
}

/**
 * Refuses a receipt Webkassa would refuse or that would misstate money: no lines, a line or payment ≤ 0, payments
 * that do not add up to the lines, a payment type twice (Webkassa allows each once), a total above the largest
 * amount Webkassa takes (which also keeps every sum far inside a bigint column and exact as a JSON number).
 */
export function assertBalanced(content: ReceiptContent): void {
  if (content.lines.length === 0) throw new RangeError('a receipt has at least one line')
  if (content.payments.length === 0) throw new RangeError('a receipt has at least one payment')
  for (const line of content.lines) {
    if (!Number.isSafeInteger(line.count) || line.count < 1) throw new RangeError('a line count is a whole number ≥ 1')
    if (line.priceTiyn <= 0n) throw new RangeError('a line price is above 0')
    vatIncludedTiyn(line.priceTiyn, line.vatPercent)
  }
  const types = new Set<number>()
  let paid = 0n
  for (const payment of content.payments) {
    if (payment.sumTiyn <= 0n) throw new RangeError('a payment is above 0')
    if (types.has(payment.type)) throw new RangeError(`payment type ${payment.type} twice`)
    types.add(payment.type)
    paid += payment.sumTiyn
  }
  const total = totalOf(content)
  if (total > MAX_AMOUNT_TIYN) throw new RangeError('the total is above 100 000 000 000 ₸, the most Webkassa takes')
  if (paid !== total) throw new RangeError('payments do not add up to the lines')
}

/** Webkassa's position for a line: tenge at the edge, the VAT included in the line computed in tiyn. */
function position(line: ReceiptLine): CheckPosition {
  const lineTotal = BigInt(line.count) * line.priceTiyn
  return {
    Count: line.count,
    Price: tiynToTenge(line.priceTiyn),
    TaxPercent: line.vatPercent,
    Tax: tiynToTenge(vatIncludedTiyn(lineTotal, line.vatPercent)),
    TaxType: line.vatPercent === 0 ? 0 : 100,
    PositionName: line.name,
    UnitCode: line.unitCode,
  }
}

/** The `POST /api/v4/check` body (without the token) of a stored receipt, on the cashbox it was queued for. */
export function checkRequest(
  content: ReceiptContent,
  cashbox: string,
  externalNumber: string,
  basis?: ReturnBasisDetails,
): CheckRequest {
  assertBalanced(content)
  if (content.kind === 'sale_return' && !basis) throw new RangeError('a return needs the original receipt')
  const payments: CheckPayment[] = content.payments.map((p) => ({ Sum: tiynToTenge(p.sumTiyn), PaymentType: p.type }))
  return {
    CashboxUniqueNumber: cashbox,
    OperationType: content.kind === 'sale' ? OPERATION_TYPES.sale : OPERATION_TYPES.saleReturn,
    Positions: content.lines.map(position),
    Payments: payments,
    RoundType: 2,
    ExternalCheckNumber: externalNumber,
    ...(basis ? { ReturnBasisDetails: basis } : {}),
  }
}
