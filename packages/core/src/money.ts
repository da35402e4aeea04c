/** Money is an integer number of minor units (tiyn: 1 ₸ = 100 tiyn), held as bigint. */
export type Tiyn = bigint

/** The largest amount a `bigint` column holds (2^63 − 1 tiyn); anything beyond is refused, not wrapped. */
export const MAX_TIYN: Tiyn = 2n ** 63n - 1n

// ASCII digits only (no `+`, spaces, exponent, Unicode digits, or `.5` / `5.`); at most two decimals. At most 20
// whole digits (MAX_TIYN has 17, leading zeros allowed a few): parsing a megabyte of digits into a BigInt costs
// ~100 ms of CPU per request, which a hostile body must not be able to buy.
const DECIMAL = /^(-)?(\d{1,20})(?:\.(\d{1,2}))?$/

/** The text for an error message: an amount that is refused may be hostile and huge, so only its start is kept. */
function shown(text: unknown): string {
  const json = JSON.stringify(text) ?? String(text)
  return json.length > 40 ? `${json.slice(0, 40)}…` : json
}

/**
 * Parses a tenge decimal such as "40000.00" or "12.5" into tiyn. Strict, because an amount that parses loosely
 * is an amount someone did not mean: more than two decimals, an exponent ("1e3"), spaces, a comma, a plus sign
 * or an amount beyond a bigint column is a RangeError.
 */
export function parseTenge(text: string): Tiyn {
  const m = typeof text === 'string' ? DECIMAL.exec(text) : null
  if (!m) throw new RangeError(`not a tenge amount: ${shown(text)}`)
  const [, sign, whole, fraction = ''] = m
  const tiyn = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
  if (tiyn > MAX_TIYN) throw new RangeError(`tenge amount out of range: ${shown(text)}`)
  return sign ? -tiyn : tiyn
}

/**
 * Tiyn from a JSON number of tenge (40000.5), for contracts that send amounts as numbers. The number's shortest
 * decimal form is parsed by `parseTenge`, so 1.005 (three decimals) is refused rather than rounded, and so is a
 * number JavaScript can only write with an exponent.
 */
export function parseTengeNumber(value: number): Tiyn {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`not a tenge amount: ${value}`)
  return parseTenge(String(value))
}

/**
 * An integer amount of tiyn from wherever it was stored: int8 columns arrive as numbers (see `db.ts`), some drivers
 * and JSON give strings. Money reaches services as bigint this way; ids stay numbers.
 */
export function toTiyn(value: bigint | number | string): Tiyn {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number of tiyn: ${value}`)
    return BigInt(value)
  }
  if (typeof value !== 'string' || !/^-?\d{1,19}$/.test(value)) throw new RangeError(`not tiyn: ${shown(value)}`)
  const tiyn = BigInt(value)
  if (tiyn > MAX_TIYN || tiyn < -MAX_TIYN - 1n) throw new RangeError(`tiyn out of the int8 range: ${value}`)
  return tiyn
}

/** Formats tiyn as a decimal string with exactly two fraction digits ("40000.00"), as contracts expect. */
export function formatTenge(tiyn: Tiyn | number): string {
  const value = BigInt(tiyn)
  const sign = value < 0n ? '-' : ''
  const abs = value < 0n ? -value : value
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`
}

/** How people read amounts: Russian "40 000,50 ₸" (no-break space groups, decimal comma), English "40,000.50 ₸". */
export type MoneyLocale = 'ru' | 'en'

const DISPLAY: Record<MoneyLocale, { group: string; decimal: string }> = {
  ru: { group: '\u00a0', decimal: ',' },
  en: { group: ',', decimal: '.' },
}

/**
 * Formats tiyn for a page: grouped thousands, two decimals and the tenge sign. Written out rather than left to
 * `Intl`, whose separators change with the ICU version, so pages and their tests stay the same everywhere.
 */
export function displayTenge(tiyn: Tiyn | number, locale: MoneyLocale = 'ru'): string {
  const { group, decimal } = DISPLAY[locale]
  const [whole, fraction] = formatTenge(tiyn).split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const digits = sign ? whole.slice(1) : whole
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, group)
  return `${sign}${grouped}${decimal}${fraction}\u00a0₸`
}

/** Converts whole tenge to tiyn. */
export function tenge(amount: number | bigint): Tiyn {
  return BigInt(amount) * 100n
}

/**
 * Named rounding rules for fractional tiyn, so every computed amount says how it rounds:
 * - 'half-up': to the nearest, a tie away from zero (what a cashier does);
 * - 'half-even': to the nearest, a tie to the even neighbour (banker's rounding: no drift over many amounts);
 * - 'half-down': to the nearest, a tie towards zero;
 * - 'down': towards negative infinity (floor); 'up': towards positive infinity (ceiling);
 * - 'toward-zero': drop the fraction; 'away-from-zero': any fraction makes a whole tiyn more.
 */
export type Rounding = 'half-up' | 'half-even' | 'half-down' | 'down' | 'up' | 'toward-zero' | 'away-from-zero'

/** `numerator / denominator` as a whole number, rounded by the named rule (the denominator must not be 0). */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new RangeError('division by zero')
  // With a positive denominator the signs below are the quotient's.
  if (denominator < 0n) return divideRounded(-numerator, -denominator, rounding)
  const quotient = numerator / denominator // truncated towards zero
  const remainder = numerator % denominator
  if (remainder === 0n) return quotient
  const away = numerator < 0n ? quotient - 1n : quotient + 1n
  const twice = (remainder < 0n ? -remainder : remainder) * 2n
  switch (rounding) {
    case 'toward-zero':
      return quotient
    case 'away-from-zero':
      return away
    case 'down':
      return numerator < 0n ? away : quotient
    case 'up':
      return numerator < 0n ? quotient : away
    case 'half-up':
      return twice >= denominator ? away : quotient
    case 'half-down':
      return twice > denominator ? away : quotient
    case 'half-even':
      if (twice !== denominator) return twice > denominator ? away : quotient
      return quotient % 2n === 0n ? quotient : away
  }
}

/** `basisPoints` of an amount (100 bp = 1 %, so 2.5 % is 250n), rounded by the named rule. */
export function percentOf(amount: Tiyn, basisPoints: bigint, rounding: Rounding): Tiyn {
  return divideRounded(amount * basisPoints, 10_000n, rounding)
}

/**
 * Splits an amount into parts proportional to `weights` that add up to exactly the amount (largest remainder:
 * the tiyn left over after rounding down go to the parts with the largest fractions, ties to the earlier part).
 * For partial payments, refunds across several items, commissions shared between parties.
 */
export function allocate(amount: Tiyn, weights: readonly bigint[]): Tiyn[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0n)
  if (weights.length === 0 || total <= 0n || weights.some((weight) => weight < 0n)) {
    throw new RangeError('allocate needs non-negative weights with a positive sum')
  }
  const negative = amount < 0n
  const abs = negative ? -amount : amount
  const parts = weights.map((weight) => (abs * weight) / total)
  const remainders = weights.map((weight, index) => ({ index, remainder: (abs * weight) % total }))
  let left = abs - parts.reduce((sum, part) => sum + part, 0n)
  remainders.sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const { index } of remainders) {
    if (left === 0n) break
    parts[index] += 1n
    left -= 1n
  }
  return negative ? parts.map((part) => -part) : parts
}

/**
 * Tiyn rounded to whole tenge by the named rule, for amounts a device takes in whole tenge only (Kaspi terminals):
 * 12 280.66 ₸ 'up' is 12 281 ₸, 'down' is 12 280 ₸.
 */
export function roundToWholeTenge(tiyn: Tiyn, rounding: Rounding): Tiyn {
  return divideRounded(tiyn, 100n, rounding) * 100n
}
