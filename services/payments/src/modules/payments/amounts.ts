import { parseTenge, parseTengeNumber, type Tiyn } from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'

/**
 * An amount from a request: a JSON number or a numeric string of tenge with at most two decimals, above 0 and at
 * most `max`. Anything else is a 400 with a stable code — never rounded, never a float.
 */
export function parseAmount(value: unknown, max: Tiyn): Tiyn {
  let tiyn: Tiyn
  try {
    if (typeof value === 'number') tiyn = parseTengeNumber(value)
    else if (typeof value === 'string') tiyn = parseTenge(value.trim() === value ? value : '')
    else throw new RangeError('not an amount')
  } catch {
    // '-5' and '-0.5' parse; anything else that does not is not a number with two decimals.
    throw new PaymentsError('AMOUNT_INVALID', undefined, { max_decimals: 2 })
  }
  if (tiyn <= 0n) throw new PaymentsError('AMOUNT_NOT_POSITIVE')
  if (tiyn > max) throw new PaymentsError('AMOUNT_TOO_LARGE', undefined, { max: Number(max / 100n) })
  return tiyn
}

/** Tiyn as the tenge number the API shows (12 280.5); exact, as every amount here is far below 2^53 tiyn. */
export function tengeNumber(tiyn: Tiyn): number {
  return Number(tiyn) / 100
}
