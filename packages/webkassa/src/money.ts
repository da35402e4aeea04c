import { parseTengeNumber, type Tiyn } from '@kokdala/core'

/**
 * Money at Webkassa's edge: inside Kokdala amounts are tiyn (`bigint`); on the wire they are tenge numbers with at
 * most 2 decimals. Conversions are exact both ways and refuse what they cannot carry exactly.
 */

/**
 * The largest amount one field of a receipt may hold (100 000 000 000 ₸), as the simulator refuses beyond it: a
 * receipt whose total is within it has every price, tax and payment within it too.
 */
export const MAX_AMOUNT_TIYN: Tiyn = 100_000_000_000_00n

/** The most tiyn a JSON number carries exactly (2^53 − 1): beyond it a tenge amount would silently round. */
const MAX_EXACT_TIYN = BigInt(Number.MAX_SAFE_INTEGER)

/** Tiyn as the tenge number Webkassa takes (50000n → 500, 5357n → 53.57); RangeError beyond 2^53 − 1 tiyn. */
export function tiynToTenge(tiyn: Tiyn): number {
  if (typeof tiyn !== 'bigint') throw new TypeError('tiynToTenge takes a bigint')
  if (tiyn > MAX_EXACT_TIYN || tiyn < -MAX_EXACT_TIYN) throw new RangeError(`tiyn out of the exact range: ${tiyn}`)
  const sign = tiyn < 0n ? -1 : 1
  const abs = tiyn < 0n ? -tiyn : tiyn
  // Whole and fraction parsed from their decimal text, so 0.29 is the double closest to "0.29", not 29 / 100 drift.
  return sign * Number(`${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`)
}

/** A tenge number from Webkassa as tiyn (53.57 → 5357n); more than 2 decimals or a non-finite number is a RangeError. */
export function tengeToTiyn(tenge: number): Tiyn {
  return parseTengeNumber(tenge)
}

/** Divides and rounds half away from zero, in integers. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n
  const n = numerator < 0n ? -numerator : numerator
  const d = denominator < 0n ? -denominator : denominator
  const quotient = (2n * n + d) / (2n * d)
  return negative ? -quotient : quotient
}

/**
 * The VAT included in a line, in tiyn: round2(lineTotal × rate / (100 + rate)), as Webkassa's samples compute it
 * (500 ₸ at 12 % → 53.57 ₸), done in integers so no float rounding can move a tiyn. `ratePercent` is a whole
 * percent 0..100 (16 since 2026; 12 before; 10 and 5 for some goods).
 */
export function vatIncludedTiyn(lineTotal: Tiyn, ratePercent: number): Tiyn {
  if (typeof lineTotal !== 'bigint') throw new TypeError('vatIncludedTiyn takes the line total as bigint tiyn')
  if (!Number.isInteger(ratePercent) || ratePercent < 0 || ratePercent > 100) {
    throw new RangeError(`VAT rate must be a whole percent 0..100, got ${ratePercent}`)
  }
  const rate = BigInt(ratePercent)
  return divideRounded(lineTotal * rate, 100n + rate)
}

/** `Count × Price − Discount + Markup` in tiyn, the amount a position's VAT is taken from; `count` is whole. */
export function lineTotalTiyn(line: { count: number; price: Tiyn; discount?: Tiyn; markup?: Tiyn }): Tiyn {
  if (!Number.isSafeInteger(line.count) || line.count <= 0) {
    throw new RangeError(`count must be a whole number > 0, got ${line.count}`)
  }
  return BigInt(line.count) * line.price - (line.discount ?? 0n) + (line.markup ?? 0n)
}
