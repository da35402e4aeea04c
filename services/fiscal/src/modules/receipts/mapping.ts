import { allocate, parseTengeNumber, type Tiyn } from '@kokdala/core'
import type { PaymentType } from '@kokdala/webkassa'
import { returnNumber, saleNumber } from './numbers.ts'
import type { ReceiptContent, ReceiptLine, ReceiptPayment } from './receipt.ts'

/** The payments events that move money a receipt must show. */
export const SALE_EVENTS = ['paid', 'partially_paid'] as const
export const RETURN_EVENTS = ['refunded', 'partially_refunded'] as const

/** The fields of payments' webhook body (the seed's flat payload) that fiscal reads; amounts are tenge numbers. */
export interface PaymentEventBody {
  event: string
  transaction_id: string
  /** Paid so far, after refunds, in the money of the method chosen (114 000 for 100 000 by credit). */
  paid_amount: number
  /** What the merchant nets of it: `paid_amount` less the method's commission. */
  actual_amount_received: number
  /** Given back so far (gross). */
  refunded_amount: number
  /** The seed's tolerance write-off: never on a receipt (the receipt shows money that moved). */
  written_off_amount: number
  description: string | null
  /** The method last paid with (`kaspi_gold`, …), when payments sends it; older bodies do not. */
  payment_method?: string | null
}

/** How much of a payment has receipts already: what the next event is compared with. */
export interface PaymentProgress {
  /** Gross received that sale receipts cover. */
  saleTiyn: Tiyn
  /** Of it, the commission line(s). */
  commissionTiyn: Tiyn
  /** Refunded that return receipts cover. */
  returnTiyn: Tiyn
  sales: number
  returns: number
}

export const NO_PROGRESS: PaymentProgress = { saleTiyn: 0n, commissionTiyn: 0n, returnTiyn: 0n, sales: 0, returns: 0 }

/** A sale receipt of the payment as stored: what a return may refer to and how much of it is returned already. */
export interface StoredSale {
  id: number
  content: ReceiptContent
  totalTiyn: Tiyn
  returnedTiyn: Tiyn
}

export interface MappingSettings {
  vatPercent: number
  /** The Webkassa payment type of a payments method (configuration; Kaspi methods are mobile payments). */
  paymentTypeOf(method: string | null): PaymentType
}

export type PlannedReceipt =
  | { kind: 'sale'; externalNumber: string; content: ReceiptContent; totalTiyn: Tiyn; commissionTiyn: Tiyn }
  | {
      kind: 'sale_return'
      externalNumber: string
      content: ReceiptContent
      totalTiyn: Tiyn
      /** The stored sale it returns; null when there is none to refer to: the receipt is blocked, never sent. */
      originalId: number | null
    }

const NAME_MAX = 128
const PIECES = 796

/** Amounts of the body as tiyn; a negative or malformed amount is a RangeError (the route answers 400). */
function tiyn(value: number, field: string): Tiyn {
  let amount: Tiyn
  try {
    amount = parseTengeNumber(value)
  } catch {
    throw new RangeError(`${field} is not a tenge amount`)
  }
  if (amount < 0n) throw new RangeError(`${field} is negative`)
  return amount
}

/**
 * The goods line's name from the payment's description: control characters (Webkassa refuses them, code 9) become
 * spaces, and the cut is by code points, never inside a surrogate pair (half of one is no text: jsonb refuses it).
 */
function goodsName(body: PaymentEventBody): string {
  const text = (body.description ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return Array.from(text || `Оплата ${body.transaction_id}`)
    .slice(0, NAME_MAX)
    .join('')
    .trim()
}

/**
 * A sale receipt for the money received since the last one (one receipt per received delta, never per event: a
 * repeated or late event finds nothing new). Cumulative gross received is `paid_amount + refunded_amount`, so a
 * refund in between does not hide money that arrived. The commission of credit and installment
 * (`paid_amount − actual_amount_received`) is its own line; the tolerance write-off is not money and is ignored.
 */
function planSale(body: PaymentEventBody, progress: PaymentProgress, settings: MappingSettings) {
  const paid = tiyn(body.paid_amount, 'paid_amount')
  const net = tiyn(body.actual_amount_received, 'actual_amount_received')
  const refunded = tiyn(body.refunded_amount, 'refunded_amount')
  tiyn(body.written_off_amount, 'written_off_amount')
  const delta = paid + refunded - progress.saleTiyn
  if (delta <= 0n) return { receipts: [], progress }
  const commissionSoFar = paid > net ? paid - net : 0n
  let commission = commissionSoFar - progress.commissionTiyn
  if (commission < 0n) commission = 0n
  if (commission > delta) commission = delta
  const goods = delta - commission
  const lines: ReceiptLine[] = []
  const line = (name: string, priceTiyn: Tiyn) =>
    lines.push({ name, count: 1, priceTiyn, vatPercent: settings.vatPercent, unitCode: PIECES })
  if (goods > 0n) line(goodsName(body), goods)
  if (commission > 0n) line('Комиссия за оплату в кредит или рассрочку', commission)
  const n = progress.sales + 1
  const content: ReceiptContent = {
    kind: 'sale',
    lines,
    payments: [{ type: settings.paymentTypeOf(body.payment_method ?? null), sumTiyn: delta }],
  }
  return {
    receipts: [
      {
        kind: 'sale' as const,
        externalNumber: saleNumber(body.transaction_id, n),
        content,
        totalTiyn: delta,
        commissionTiyn: commission,
      },
    ],
    progress: {
      ...progress,
      saleTiyn: progress.saleTiyn + delta,
      commissionTiyn: progress.commissionTiyn + commission,
      sales: n,
    },
  }
}

/** `amount` split over `parts` (each > 0 by weight), dropping parts that come to 0. */
function share<T>(amount: Tiyn, parts: readonly T[], weight: (part: T) => Tiyn): Array<{ part: T; amount: Tiyn }> {
  const amounts = allocate(amount, parts.map(weight))
  return parts.map((part, i) => ({ part, amount: amounts[i] })).filter((s) => s.amount > 0n)
}

/** A return of `amount` out of the stored sale: its lines and payments in proportion, so VAT follows each line. */
function returnOf(sale: StoredSale, amount: Tiyn): ReceiptContent {
  const lines = share(amount, sale.content.lines, (l) => BigInt(l.count) * l.priceTiyn).map(({ part, amount }) => ({
    ...part,
    count: 1,
    priceTiyn: amount,
  }))
  const payments: ReceiptPayment[] = share(amount, sale.content.payments, (p) => p.sumTiyn).map(({ part, amount }) => ({
    type: part.type,
    sumTiyn: amount,
  }))
  return { kind: 'sale_return', lines, payments }
}

/**
 * Return receipts for the money refunded since the last one, each referring to one stored sale (oldest first, up to
 * what is left of it), since a return's `ReturnBasisDetails` name exactly one original. What no stored sale covers
 * becomes a return without an original: kept, blocked locally, never sent without a basis.
 */
function planReturns(
  body: PaymentEventBody,
  progress: PaymentProgress,
  sales: readonly StoredSale[],
  settings: MappingSettings,
) {
  const refunded = tiyn(body.refunded_amount, 'refunded_amount')
  tiyn(body.paid_amount, 'paid_amount')
  let left = refunded - progress.returnTiyn
  if (left <= 0n) return { receipts: [], progress }
  const receipts: PlannedReceipt[] = []
  let n = progress.returns
  for (const sale of sales) {
    const open = sale.totalTiyn - sale.returnedTiyn
    if (open <= 0n || left <= 0n) continue
    const amount = open < left ? open : left
    n += 1
    const content = returnOf(sale, amount)
    receipts.push({
      kind: 'sale_return',
      externalNumber: returnNumber(body.transaction_id, n),
      content,
      totalTiyn: amount,
      originalId: sale.id,
    })
    left -= amount
  }
  if (left > 0n) {
    n += 1
    const content: ReceiptContent = {
      kind: 'sale_return',
      lines: [{ name: goodsName(body), count: 1, priceTiyn: left, vatPercent: settings.vatPercent, unitCode: PIECES }],
      payments: [{ type: settings.paymentTypeOf(body.payment_method ?? null), sumTiyn: left }],
    }
    receipts.push({
      kind: 'sale_return',
      externalNumber: returnNumber(body.transaction_id, n),
      content,
      totalTiyn: left,
      originalId: null,
    })
  }
  return { receipts, progress: { ...progress, returnTiyn: refunded, returns: n } }
}

/**
 * The receipts one payments event asks for, given what the payment's earlier receipts cover, and the progress after
 * them. Events that move no new money (failed, cancelled, a repeat, one overtaken by a later event) plan nothing.
 */
export function planReceipts(
  body: PaymentEventBody,
  progress: PaymentProgress,
  sales: readonly StoredSale[],
  settings: MappingSettings,
): { receipts: PlannedReceipt[]; progress: PaymentProgress } {
  if ((SALE_EVENTS as readonly string[]).includes(body.event)) return planSale(body, progress, settings)
  if ((RETURN_EVENTS as readonly string[]).includes(body.event)) return planReturns(body, progress, sales, settings)
  return { receipts: [], progress }
}
