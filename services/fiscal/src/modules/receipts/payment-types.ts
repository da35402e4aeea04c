import { PAYMENT_TYPES, type PaymentType } from '@kokdala/webkassa'

const KNOWN = new Set<number>(Object.values(PAYMENT_TYPES))

/**
 * FISCAL_PAYMENT_TYPES (JSON `{ "kaspi_gold": 4, … }`) as a function of the payments method. Kaspi's QR, credit and
 * installment all reach the merchant as a mobile payment (research §3.4: credit is *not* PaymentType 2, Kaspi pays
 * the merchant in full), so the default is 4 for every method, named or not. A bad value is a start-up error.
 */
export function paymentTypeMap(json: string | undefined): (method: string | null) => PaymentType {
  const table = new Map<string, PaymentType>()
  if (json !== undefined && json.trim() !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(json)
    } catch {
      throw new RangeError('FISCAL_PAYMENT_TYPES is not JSON')
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RangeError('FISCAL_PAYMENT_TYPES is a JSON object: method → Webkassa PaymentType')
    }
    for (const [method, type] of Object.entries(parsed)) {
      if (typeof type !== 'number' || !KNOWN.has(type)) {
        throw new RangeError(`FISCAL_PAYMENT_TYPES: ${method} → ${JSON.stringify(type)} is not a Webkassa PaymentType`)
      }
      table.set(method, type as PaymentType)
    }
  }
  return (method) => (method === null ? undefined : table.get(method)) ?? PAYMENT_TYPES.mobile
}
