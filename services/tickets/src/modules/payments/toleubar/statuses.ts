import { TicketsError } from '../../../errors.ts'
import type { GatewayPaymentStatus } from '../gateway.ts'

/**
 * The gateway's statuses (its code's `PaymentStatus` enum, research §3.4) in our terms. FORM_SHOWED is still
 * PENDING: the buyer saw the form but has not paid. REJECTED and EXPIRED are both a payment that will never pay.
 */
const STATUSES = new Map<string, GatewayPaymentStatus>([
  ['NEW', 'PENDING'],
  ['FORM_SHOWED', 'PENDING'],
  ['AUTHORIZED', 'AUTHORIZED'],
  ['CONFIRMED', 'PAID'],
  ['REJECTED', 'FAILED'],
  ['EXPIRED', 'FAILED'],
  ['CANCELLED', 'CANCELLED'],
  ['REFUNDED', 'REFUNDED'],
])

/**
 * Maps a PaymentCheck status. An unknown one is reported as unavailability rather than guessed, so no booking is
 * sold or released on a status we do not understand.
 */
export function toGatewayStatus(status: unknown): GatewayPaymentStatus {
  const mapped = typeof status === 'string' ? STATUSES.get(status.toUpperCase()) : undefined
  if (!mapped) throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: `unknown ТөлеуБар status ${status}` })
  return mapped
}
