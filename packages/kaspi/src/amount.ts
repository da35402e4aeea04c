import type { Tiyn } from '@kokdala/core'
import type { KaspiStatusData } from './wire.ts'

// Grouping spaces a cheque may carry: plain, no-break (U+00A0), narrow no-break (U+202F), thin (U+2009).
const GROUP_SPACES = /[\u0020\u00a0\u202f\u2009]/g
// Whole tenge in plain digits (at most 15: a safe integer), then at most two decimals after a comma or a point.
const CHEQUE_AMOUNT = /^(\d{1,15})(?:[.,](\d{1,2}))?$/
// What a cheque writes after the number: the tenge sign or its abbreviations.
const CURRENCY = /(₸|тг\.?|kzt)$/i

/**
 * Tiyn from the formatted `chequeInfo.amount` ("50 500 ₸", "50 500,50 ₸"), or undefined when it is not an amount
 * written that way. Strict: a text that only looks like an amount is not money to count.
 */
export function parseChequeAmount(text: unknown): Tiyn | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined
  const bare = text.trim().replace(CURRENCY, '').replace(GROUP_SPACES, '')
  const match = CHEQUE_AMOUNT.exec(bare)
  if (!match) return undefined
  const [, whole, fraction = ''] = match
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
}

/** Tiyn from `data.amount`: a whole or two-decimal number of tenge (or such a numeric string), else undefined. */
function parseAmountField(value: unknown): Tiyn | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined
    return parseChequeAmount(String(value))
  }
  if (typeof value === 'string') return parseChequeAmount(value)
  return undefined
}

/**
 * What the customer actually paid, in tiyn: `data.amount`, or the cheque's formatted amount when the terminal left
 * it out. Undefined when neither says: the origin read a missing amount as 0 and ended paid payments
 * `partially_paid`; a caller must treat undefined as "ask again" (or actualize), never as nothing paid. A zero
 * amount counts as missing too, since no successful payment is of 0 ₸.
 */
export function paidAmountTiyn(data: Pick<KaspiStatusData, 'amount' | 'chequeInfo'>): Tiyn | undefined {
  const amount = parseAmountField(data.amount)
  if (amount !== undefined && amount > 0n) return amount
  const cheque = parseChequeAmount(data.chequeInfo?.amount)
  if (cheque !== undefined && cheque > 0n) return cheque
  return undefined
}

const NARROW_NBSP = '\u202f'

/** Formats whole tenge the way the terminal's cheque does: "50 500 ₸" with narrow no-break spaces. */
export function formatChequeAmount(tenge: number): string {
  const grouped = String(Math.trunc(tenge)).replace(/\B(?=(\d{3})+$)/g, NARROW_NBSP)
  return `${grouped}${NARROW_NBSP}₸`
}
