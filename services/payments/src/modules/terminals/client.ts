/**
 * What the pool needs of @kokdala/kaspi: a terminal's client (the part of it the pool calls, so tests can give a
 * small fake), the QR reader, the paid amount and the payment link.
 */
import type { KaspiTerminalClient as FullClient } from '@kokdala/kaspi'

export {
  type KaspiRefundMethod,
  type KaspiStatus,
  paidAmountTiyn,
  type QrReader,
  toPaymentUrl,
} from '@kokdala/kaspi'

/** One terminal's local API, as the pool calls it. Every failure rejects with a core `ConnectorError`. */
export type KaspiTerminalClient = Pick<
  FullClient,
  'startPayment' | 'status' | 'actualize' | 'cancel' | 'refund' | 'deviceInfo' | 'close'
>

/** How the pool reaches a terminal: the client of a stored terminal's address and token. */
export type TerminalClientFactory = (terminal: {
  id: number
  baseUrl: string
  accessToken: string
}) => KaspiTerminalClient

/** Whether a failure means the terminal could not be reached (offline, timed out), as opposed to a refusal. */
export function isUnreachable(error: unknown): boolean {
  const kind = (error as { kind?: unknown } | null)?.kind
  return (error as Error | null)?.name === 'ConnectorError' && (kind === 'timeout' || kind === 'unavailable')
}
