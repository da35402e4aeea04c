import type { Tiyn } from '@kokdala/core'
import { MAX_AMOUNT_TIYN, tengeToTiyn, vatIncludedTiyn } from '@kokdala/webkassa'
import { WebkassaSimError } from './errors.ts'

/** A receipt request as the simulator keeps it: amounts in tiyn, checked. */
export interface ParsedCheck {
  operationType: 0 | 1 | 2 | 3
  positions: { name: string; count: number; price: Tiyn; lineTotal: Tiyn; tax: Tiyn; taxPercent: number }[]
  payments: { type: number; sum: Tiyn }[]
  total: Tiyn
  vat: Tiyn
  change: Tiyn
  /** Paid in cash net of change: what the drawer gains (sale) or loses (return). */
  cash: Tiyn
  externalCheckNumber?: string
  returnBasis?: { checkNumber: string; registrationNumber: string; total: Tiyn; isOffline: boolean }
}

const MAX_POSITIONS = 1000
const MAX_EXTERNAL = 50
/** Printable ASCII: an external number is an idempotency key clients compare byte for byte. */
const EXTERNAL = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/
const PAYMENT_TYPES = new Set([0, 1, 2, 3, 4])

function invalid(detail: string): never {
  throw new WebkassaSimError(9, detail)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A tenge amount ≥ 0 with at most 2 decimals, as tiyn; code 9 naming the field otherwise. */
export function money(value: unknown, field: string, { positive = false } = {}): Tiyn {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${field} должно быть числом`)
  let tiyn: Tiyn
  try {
    tiyn = tengeToTiyn(value)
  } catch {
    invalid(`${field}: не более двух знаков после запятой`)
  }
  if (tiyn < 0n || (positive && tiyn === 0n)) invalid(`${field} должно быть ${positive ? 'больше' : 'не меньше'} 0`)
  if (tiyn > MAX_AMOUNT_TIYN) invalid(`${field} слишком велико`)
  return tiyn
}

/** An optional text field: a string without control characters, at most `max` characters. */
export function text(value: unknown, field: string, max: number, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) invalid(`${field} обязательно`)
    return undefined
  }
  // A lone UTF-16 surrogate (JSON "\ud800") is no text either: no receipt, OFD record or printout can hold it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f\u007f]/.test(value) || !value.isWellFormed()) {
    invalid(`${field}: строка до ${max} символов без управляющих символов`)
  }
  if (required && value.trim() === '') invalid(`${field} обязательно`)
  return value
}

/** `ExternalCheckNumber`: optional, ≤ 50 printable ASCII. */
export function externalNumber(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length > MAX_EXTERNAL || !EXTERNAL.test(value)) {
    invalid(`ExternalCheckNumber: от 1 до ${MAX_EXTERNAL} печатных символов ASCII`)
  }
  return value
}

/** `Count`: > 0 with at most 3 decimals (kilograms and litres are sold by weight). */
function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1_000_000) {
    invalid(`${field} должно быть больше 0`)
  }
  if (Math.abs(Math.round(value * 1000) - value * 1000) > 1e-6) invalid(`${field}: не более трёх знаков`)
  return value
}

/**
 * Checks a `POST /api/v4/check` body the way Webkassa does, as far as public material tells: every position's VAT is
 * the included VAT of its line (±1 tiyn), tax never negative, each `PaymentType` at most once, the payments cover
 * the total and only cash gives change, `ReturnBasisDetails` present for returns, the external number ≤ 50.
 * Any problem is code 9 with the field named.
 */
export function parseCheck(body: Record<string, unknown>): ParsedCheck {
  const operationType = body.OperationType
  if (operationType !== 0 && operationType !== 1 && operationType !== 2 && operationType !== 3) {
    invalid('OperationType должно быть 0, 1, 2 или 3')
  }
  const externalCheckNumber = externalNumber(body.ExternalCheckNumber)
  text(body.ExternalOrderNumber, 'ExternalOrderNumber', 200)
  text(body.CustomerEmail, 'CustomerEmail', 254)
  text(body.CustomerPhone, 'CustomerPhone', 32)
  if (body.RoundType !== undefined && body.RoundType !== null && ![0, 1, 2, 3].includes(body.RoundType as number)) {
    invalid('RoundType должно быть 0..3')
  }

  const rawPositions = body.Positions
  if (!Array.isArray(rawPositions) || rawPositions.length === 0) invalid('Positions: нужна хотя бы одна позиция')
  if (rawPositions.length > MAX_POSITIONS) invalid(`Positions: не более ${MAX_POSITIONS}`)
  const positions = rawPositions.map((raw, i) => {
    const field = `Positions[${i}]`
    if (!isObject(raw)) invalid(`${field} должно быть объектом`)
    const name = text(raw.PositionName, `${field}.PositionName`, 400, true)!
    const n = count(raw.Count, `${field}.Count`)
    const price = money(raw.Price, `${field}.Price`)
    const discount = raw.Discount === undefined || raw.Discount === null ? 0n : money(raw.Discount, `${field}.Discount`)
    const markup = raw.Markup === undefined || raw.Markup === null ? 0n : money(raw.Markup, `${field}.Markup`)
    if (!Number.isInteger(raw.UnitCode) || (raw.UnitCode as number) <= 0) invalid(`${field}.UnitCode обязательно`)
    const taxType = raw.TaxType
    if (taxType !== 0 && taxType !== 100) invalid(`${field}.TaxType должно быть 0 или 100`)
    const taxPercent = raw.TaxPercent ?? 0
    if (!Number.isInteger(taxPercent) || (taxPercent as number) < 0 || (taxPercent as number) > 100) {
      invalid(`${field}.TaxPercent должно быть целым 0..100`)
    }
    const tax = money(raw.Tax ?? 0, `${field}.Tax`)
    // Count may have 3 decimals: the line is rounded to the tiyn as Webkassa rounds positions (RoundType 2).
    const gross = (BigInt(Math.round(n * 1000)) * price * 2n + 1000n) / 2000n
    const lineTotal = gross - discount + markup
    if (lineTotal < 0n) invalid(`${field}: скидка больше суммы позиции`)
    const rate = taxType === 100 ? (taxPercent as number) : 0
    if (taxType === 0 && tax !== 0n) invalid(`${field}.Tax должно быть 0 без НДС`)
    const expected = vatIncludedTiyn(lineTotal, rate)
    if (tax - expected > 1n || expected - tax > 1n) {
      invalid(`${field}.Tax: ожидается ${expected / 100n}.${String(expected % 100n).padStart(2, '0')}`)
    }
    return { name, count: n, price, lineTotal, tax, taxPercent: rate }
  })
  const total = positions.reduce((sum, p) => sum + p.lineTotal, 0n)
  const vat = positions.reduce((sum, p) => sum + p.tax, 0n)

  const rawPayments = body.Payments
  if (!Array.isArray(rawPayments) || rawPayments.length === 0 || rawPayments.length > PAYMENT_TYPES.size) {
    invalid('Payments: от 1 до 5 оплат')
  }
  const seen = new Set<number>()
  const payments = rawPayments.map((raw, i) => {
    const field = `Payments[${i}]`
    if (!isObject(raw)) invalid(`${field} должно быть объектом`)
    const type = raw.PaymentType
    if (typeof type !== 'number' || !PAYMENT_TYPES.has(type)) invalid(`${field}.PaymentType должно быть 0..4`)
    if (seen.has(type)) invalid(`${field}.PaymentType ${type} повторяется`)
    seen.add(type)
    return { type, sum: money(raw.Sum, `${field}.Sum`) }
  })
  const paid = payments.reduce((sum, p) => sum + p.sum, 0n)
  const cashPaid = payments.find((p) => p.type === 0)?.sum ?? 0n
  if (paid < total) invalid('Payments: сумма оплат меньше суммы чека')
  const change = paid - total
  if (change > cashPaid) invalid('Payments: сдача возможна только с наличных')
  if (body.Change !== undefined && body.Change !== null && money(body.Change, 'Change') !== change) {
    invalid('Change не совпадает с суммой сдачи')
  }

  let returnBasis: ParsedCheck['returnBasis']
  if (operationType === 1 || operationType === 3) {
    const basis = body.ReturnBasisDetails
    if (!isObject(basis)) invalid('ReturnBasisDetails обязательно для возврата')
    if (typeof basis.IsOffline !== 'boolean') invalid('ReturnBasisDetails.IsOffline обязательно')
    text(basis.DateTime, 'ReturnBasisDetails.DateTime', 40, true)
    returnBasis = {
      checkNumber: text(basis.CheckNumber, 'ReturnBasisDetails.CheckNumber', 64, true)!,
      registrationNumber: text(basis.RegistrationNumber, 'ReturnBasisDetails.RegistrationNumber', 64, true)!,
      total: money(basis.Total, 'ReturnBasisDetails.Total', { positive: true }),
      isOffline: basis.IsOffline,
    }
  }
  return {
    operationType,
    positions,
    payments,
    total,
    vat,
    change,
    cash: cashPaid - change,
    externalCheckNumber,
    returnBasis,
  }
}
