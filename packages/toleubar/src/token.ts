import { createHash } from 'node:crypto'

/**
 * The only request properties the real gateway feeds into the token (PaymentAuthenticationFilter). Everything
 * else in a request — description, URLs, data, receipt, language, paymentExpiry — is ignored.
 */
const TOKEN_FIELDS = ['TeamSlug', 'Amount', 'OrderId', 'Currency', 'PaymentId'] as const

type TokenField = (typeof TOKEN_FIELDS)[number]

/** Any request object; keys are matched case-insensitively like the C# filter does (`teamSlug` ≡ `TeamSlug`). */
export type TokenRequest = Record<string, unknown>

/** Ordinal (UTF-16 code unit) comparison, as .NET's `StringComparer.Ordinal`; `localeCompare` would differ. */
function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Amounts hash as C# `decimal.ToString()` of the JSON number. Integers (minor units) give the same digits in both
 * languages; a fractional JSON literal like `4000000.0` cannot be reproduced from a JS number, so send integers.
 */
function tokenValue(value: unknown): string {
  return String(value)
}

/** Picks the non-null token fields of a request, keyed by their canonical PascalCase name. */
export function tokenFields(request: TokenRequest): Partial<Record<TokenField, string>> {
  const fields: Partial<Record<TokenField, string>> = {}
  for (const [key, value] of Object.entries(request)) {
    if (value === null || value === undefined) continue
    const name = TOKEN_FIELDS.find((field) => field.toLowerCase() === key.toLowerCase())
    if (name) fields[name] = tokenValue(value)
  }
  return fields
}

/** The exact string the gateway hashes (exported so tests and debugging can show it). */
export function tokenSource(request: TokenRequest, password: string): string {
  const fields = tokenFields(request)
  // The "special" order the gateway uses for check/cancel-style requests that identify a payment by id.
  if (fields.PaymentId !== undefined && fields.TeamSlug !== undefined && fields.Amount === undefined) {
    return fields.PaymentId + password + fields.TeamSlug
  }
  const all: Record<string, string> = { ...fields, Password: password }
  return Object.keys(all)
    .sort(ordinal)
    .map((key) => all[key])
    .join('')
}

/**
 * Request token of the ТөлеуБар gateway: lowercase hex SHA-256 (not HMAC) of the non-null TeamSlug, Amount, OrderId,
 * Currency and PaymentId values plus the password, concatenated in ordinal key order — or PaymentId + Password +
 * TeamSlug when a PaymentId and TeamSlug are present without an Amount.
 */
export function requestToken(request: TokenRequest, password: string): string {
  return createHash('sha256').update(tokenSource(request, password), 'utf8').digest('hex')
}

/** Token for PaymentInit: applies the DTO default currency `KZT`, which the real gateway also hashes. */
export function paymentInitToken(
  request: { teamSlug: string; amount: number; orderId: string; currency?: string },
  password: string,
): string {
  return requestToken({ ...request, currency: request.currency ?? 'KZT' }, password)
}
