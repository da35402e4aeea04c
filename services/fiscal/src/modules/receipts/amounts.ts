import { divideRounded, type Tiyn } from '@kokdala/core'

/**
 * Tiyn as the tenge number Webkassa reads (12 280.5). Exact: every receipt amount is far below 2^53 tiyn, and a
 * number of tiyn divided by 100 is the nearest double to the two-decimal tenge value Webkassa parses.
 */
export function wireTenge(tiyn: Tiyn): number {
  if (tiyn < 0n) throw new RangeError('a receipt amount is never negative')
  return Number(tiyn) / 100
}

/** Tenge from Webkassa (a number with at most two decimals) as tiyn, rounded to the nearest tiyn. */
export function tiynOfWire(tenge: number): Tiyn {
  if (!Number.isFinite(tenge)) throw new RangeError(`not a tenge amount: ${tenge}`)
  return BigInt(Math.round(tenge * 100))
}

/**
 * The VAT included in a line of `lineTiyn` at `percent` %: lineTotal × rate / (100 + rate), half up to the tiyn —
 * the rule every Webkassa sample fits (500 ₸ at 12 % is 53.57 ₸). 0 % (no VAT) is 0.
 */
export function includedVat(lineTiyn: Tiyn, percent: number): Tiyn {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`VAT rate ${percent} %`)
  if (percent === 0) return 0n
  const rate = BigInt(percent)
  return divideRounded(lineTiyn * rate, 100n + rate, 'half-up')
}
