/**
 * Webkassa binds JSON case-insensitively (its own samples mix `CashboxUniqueNumber` and `cashboxUniqueNumber`), so
 * the simulator maps every known field name to its PascalCase form before reading a body. Unknown names stay as
 * they are; nesting deeper than any real request is cut off rather than walked.
 */
const FIELDS = [
  'Login',
  'Password',
  'Token',
  'CashboxUniqueNumber',
  'OperationType',
  'Positions',
  'Payments',
  'RoundType',
  'ExternalCheckNumber',
  'ExternalOrderNumber',
  'CustomerEmail',
  'CustomerPhone',
  'CustomerXin',
  'Change',
  'ReturnBasisDetails',
  'Count',
  'Price',
  'TaxPercent',
  'Tax',
  'TaxType',
  'PositionName',
  'UnitCode',
  'PositionCode',
  'Discount',
  'Markup',
  'SectionCode',
  'Sum',
  'PaymentType',
  'CheckNumber',
  'DateTime',
  'RegistrationNumber',
  'Total',
  'IsOffline',
  'Skip',
  'Take',
  'ShiftNumber',
  'Number',
  'PaperKind',
  'TicketModifiers',
  'ExternalLinkId',
]
const CANONICAL = new Map(FIELDS.map((name) => [name.toLowerCase(), name]))
const MAX_DEPTH = 6

function normalize(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return undefined
  if (Array.isArray(value)) return value.map((item) => normalize(item, depth + 1))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    // The JSON parser already refuses __proto__; constructor/prototype are not fields of any request either.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    out[CANONICAL.get(key.toLowerCase()) ?? key] = normalize(inner, depth + 1)
  }
  return out
}

/** The request body with known fields in PascalCase, or undefined when it is not a JSON object. */
export function requestBody(body: unknown): Record<string, unknown> | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined
  return normalize(body, 0) as Record<string, unknown>
}
