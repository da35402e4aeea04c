import { divideRounded, type Rounding, type Tiyn } from '@kokdala/core'

/**
 * An exact fraction of tiyn. Money paid with one method and counted in another's is rarely whole tiyn
 * (100 000 ₸ at 14 % is worth 87 719.2982… ₸ net); summing exact fractions and rounding once, where an amount is
 * shown or charged, keeps scenario 4's remainder at exactly 14 000 ₸ instead of drifting by a tiyn.
 */
export interface Ratio {
  readonly num: bigint
  /** Always positive. */
  readonly den: bigint
}

export const ZERO: Ratio = { num: 0n, den: 1n }

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

function reduce(num: bigint, den: bigint): Ratio {
  if (den < 0n) return reduce(-num, -den)
  const divisor = gcd(num, den) || 1n
  return { num: num / divisor, den: den / divisor }
}

export function ratio(num: bigint, den = 1n): Ratio {
  if (den === 0n) throw new RangeError('ratio with a zero denominator')
  return reduce(num, den)
}

export function add(a: Ratio, b: Ratio): Ratio {
  return reduce(a.num * b.den + b.num * a.den, a.den * b.den)
}

export function sub(a: Ratio, b: Ratio): Ratio {
  return add(a, { num: -b.num, den: b.den })
}

/** `a × num / den`. */
export function scale(a: Ratio, num: bigint, den: bigint): Ratio {
  return ratio(a.num * num, a.den * den)
}

/** −1, 0 or 1. */
export function compare(a: Ratio, b: Ratio): number {
  const left = a.num * b.den
  const right = b.num * a.den
  return left < right ? -1 : left > right ? 1 : 0
}

/** Whole tiyn by the named rule. */
export function toTiyn(a: Ratio, rounding: Rounding): Tiyn {
  return divideRounded(a.num, a.den, rounding)
}

/** Whole tenge, in tiyn, by the named rule. */
export function toWholeTenge(a: Ratio, rounding: Rounding): Tiyn {
  return divideRounded(a.num, a.den * 100n, rounding) * 100n
}
