import { createHash } from 'node:crypto'

/**
 * `ExternalCheckNumber`s: Webkassa's idempotency key, derived before the first send from what the receipt is for and
 * never minted again (a lost answer is looked up by this number, then sent again with it). At most 50 ASCII
 * characters, globally unique by construction: the prefix names the source, the rest is the source's own key.
 */
export const EXTERNAL_NUMBER_MAX = 50

/** A payments transaction id as it may appear inside a number: the 12-character ids payments issues, and a margin. */
const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,36}$/

/** Whether a payments transaction id can key receipts (anything else is refused at the door, never truncated). */
export function isReceiptableTransactionId(id: string): boolean {
  return TRANSACTION_ID.test(id)
}

function checked(number: string): string {
  if (number.length > EXTERNAL_NUMBER_MAX || !/^[\x21-\x7e]+$/.test(number)) {
    throw new RangeError(`not a Webkassa external number: ${number.slice(0, 60)}`)
  }
  return number
}

function ordinal(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`receipt ordinal ${n}`)
  return n
}

/** The n-th sale receipt of a payment: one per received delta (`s-<transaction>-<n>`). */
export function saleNumber(transactionId: string, n: number): string {
  if (!isReceiptableTransactionId(transactionId)) throw new RangeError('transaction id not usable in a number')
  return checked(`s-${transactionId}-${ordinal(n)}`)
}

/** The n-th return receipt of a payment (`r-<transaction>-<n>`). */
export function returnNumber(transactionId: string, n: number): string {
  if (!isReceiptableTransactionId(transactionId)) throw new RangeError('transaction id not usable in a number')
  return checked(`r-${transactionId}-${ordinal(n)}`)
}

/**
 * A receipt asked for through `POST /api/receipts`: `api-` and the first 40 hex characters of SHA-256 over the
 * caller's external id, so any id the caller uses (long, Unicode) gives one short ASCII number, and the same id the
 * same number on every retry.
 */
export function apiNumber(callerExternalId: string): string {
  const digest = createHash('sha256').update(callerExternalId, 'utf8').digest('hex').slice(0, 40)
  return checked(`api-${digest}`)
}
