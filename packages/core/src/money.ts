/** Money is an integer number of minor units (tiyn: 1 ₸ = 100 tiyn), held as bigint. */
export type Tiyn = bigint

const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,2}))?$/

/** Parses a tenge decimal such as "40000.00" or "12.5" into tiyn; more than two decimals is an error. */
export function parseTenge(text: string): Tiyn {
  const m = DECIMAL.exec(text.trim())
  if (!m) throw new RangeError(`not a tenge amount: ${JSON.stringify(text)}`)
  const [, sign, whole, fraction = ''] = m
  const tiyn = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
  return sign ? -tiyn : tiyn
}

/** Formats tiyn as a decimal string with exactly two fraction digits ("40000.00"), as contracts expect. */
export function formatTenge(tiyn: Tiyn | number): string {
  const value = BigInt(tiyn)
  const sign = value < 0n ? '-' : ''
  const abs = value < 0n ? -value : value
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`
}

/** Converts whole tenge to tiyn. */
export function tenge(amount: number | bigint): Tiyn {
  return BigInt(amount) * 100n
}

/** Named rounding rules for fractional tiyn, so every percentage says how it rounds. */
export type Rounding = 'half-up' | 'down' | 'up'

/** `basisPoints` of an amount (100 bp = 1 %), rounded by the named rule. */
export function percentOf(amount: Tiyn, basisPoints: bigint, rounding: Rounding): Tiyn {
  const numerator = amount * basisPoints
  const quotient = numerator / 10_000n
  const remainder = numerator % 10_000n
  if (remainder === 0n) return quotient
  const away = numerator < 0n ? -1n : 1n
  switch (rounding) {
    case 'down':
      return numerator < 0n ? quotient - 1n : quotient
    case 'up':
      return numerator < 0n ? quotient : quotient + 1n
    case 'half-up': {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n
      return twice >= 10_000n ? quotient + away : quotient
    }
  }
}
