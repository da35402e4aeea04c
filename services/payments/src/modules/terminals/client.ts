/**
 * What the pool needs of @kokdala/kaspi: a terminal's client, the QR reader and the paid amount. Kept in this one file
 * so the pool is written against the decided interface (notes/payments-decisions.md) while the package is being built;
 * when it lands on main these become re-exports of the package.
 */
import type { ConnectorError } from '@kokdala/core'

export type KaspiStatusValue = 'wait' | 'success' | 'fail' | 'unknown'

/** `data` of `/v2/status` and `/v2/actualize`. */
export interface KaspiStatus {
  status: KaspiStatusValue
  amount?: number
  transactionId?: string
  chequeInfo?: { method?: string; amount?: string; [key: string]: unknown }
  addInfo?: { ProductType?: string; LoanTerm?: number; [key: string]: unknown }
  subStatus?: string
  [key: string]: unknown
}

export type KaspiRefundMethod = 'qr' | 'card' | 'alaqan'

/** One terminal's local API. Every failure rejects with a core `ConnectorError`. */
export interface KaspiTerminalClient {
  startPayment(amountTenge: number): Promise<{ processId: string }>
  status(processId: string): Promise<KaspiStatus>
  actualize(processId: string): Promise<KaspiStatus>
  cancel(processId: string): Promise<void>
  refund(input: {
    method: KaspiRefundMethod
    amountTenge: number
    transactionId: string
  }): Promise<{ processId: string }>
  deviceInfo(): Promise<Record<string, unknown>>
  close(): Promise<void>
}

/** Reads the QR a started payment shows on the terminal's screen (the camera service is one implementation). */
export interface QrReader {
  readQr(input: { cameraId: string; processId: string }): Promise<string>
}

/** How the pool reaches a terminal: the client of a stored terminal's address and token. */
export type TerminalClientFactory = (terminal: {
  id: number
  baseUrl: string
  accessToken: string
}) => KaspiTerminalClient

/** Whether a failure means the terminal could not be reached (offline, timed out), as opposed to a refusal. */
export function isUnreachable(error: unknown): error is ConnectorError {
  const kind = (error as { kind?: unknown } | null)?.kind
  return (error as Error | null)?.name === 'ConnectorError' && (kind === 'timeout' || kind === 'unavailable')
}

const GROUP_SPACES = /[\u0020\u00a0\u202f\u2009]/g
const AMOUNT = /^(\d{1,15})(?:[.,](\d{1,2}))?$/

function tiynOf(value: unknown): bigint | undefined {
  if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) return undefined
  if (typeof value !== 'number' && typeof value !== 'string') return undefined
  const match = AMOUNT.exec(
    String(value)
      .trim()
      .replace(/(₸|тг\.?|kzt)$/i, '')
      .replace(GROUP_SPACES, ''),
  )
  return match ? BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0')) : undefined
}

/** What the customer paid, in tiyn: `amount`, else the cheque's "50 500 ₸"; undefined (never 0) when neither says. */
export function paidAmountTiyn(data: Pick<KaspiStatus, 'amount' | 'chequeInfo'>): bigint | undefined {
  for (const candidate of [tiynOf(data.amount), tiynOf(data.chequeInfo?.amount)]) {
    if (candidate !== undefined && candidate > 0n) return candidate
  }
  return undefined
}

/** The customer's link: the QR's `qr.kaspi.kz` address on `pay.kaspi.kz/pay`, as the origin builds it. */
export function toPaymentUrl(qr: string): string {
  return qr.replace(/^https?:\/\/qr\.kaspi\.kz\//, 'https://pay.kaspi.kz/pay/')
}
