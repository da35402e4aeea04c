import type { WebkassaResult } from './result.ts'
import type {
  AuthorizeData,
  CashboxesData,
  CheckData,
  CheckHistoryData,
  CheckRequest,
  ShiftHistoryData,
  XZReportData,
} from './wire.ts'

/** Names Webkassa in connector errors and outbound metrics. */
export const WEBKASSA_CONNECTOR = 'webkassa'

export interface WebkassaClientOptions {
  /** `https://devkkm.webkassa.kz`, `https://kkm.webkassa.kz`, or the simulator `http://127.0.0.1:9004`. */
  baseUrl: string
  /** The integrator key, sent as `x-api-key` on every call. Never logged. */
  apiKey: string
  /** Per call, connect and read together; default 30 s. */
  timeoutMs?: number
  /**
   * Hosts a 505's `AlternativeDomainNames` may send us to (exact host names). Anything else is refused, so an
   * answer can never redirect our token to a host of its choosing. Default: none (no failover).
   */
  failoverHosts?: readonly string[]
}

/**
 * Webkassa API v4, one method per endpoint we use. Every method returns a `WebkassaResult` and never throws for
 * what Webkassa or the network did; a token goes in the body as Webkassa requires. No retries here: what to do
 * about an outcome is the caller's (the fiscal service's per-cashbox queue), except the one bounded 505 failover.
 */
export interface WebkassaClient {
  /** `POST /api/v4/Authorize`: a new session token; a newer login may invalidate the older token. */
  authorize(login: string, password: string): Promise<WebkassaResult<AuthorizeData>>
  /** `POST /api/v4/check`: a sale or return receipt, idempotent by `ExternalCheckNumber` (code 14 on repeat). */
  check(token: string, request: CheckRequest): Promise<WebkassaResult<CheckData>>
  /** `POST /api/v4/XReport`: the shift's totals so far; changes nothing. */
  xReport(token: string, cashbox: string): Promise<WebkassaResult<XZReportData>>
  /** `POST /api/v4/ZReport`: closes the shift (12/13 when there is none open). */
  zReport(token: string, cashbox: string): Promise<WebkassaResult<XZReportData>>
  /** `POST /api/v4/Cashboxes`: the cashboxes the user may use, with their current or last shift. */
  cashboxes(token: string): Promise<WebkassaResult<CashboxesData>>
  /** `POST /api/v4/Cashbox/ShiftHistory`. */
  shiftHistory(
    token: string,
    cashbox: string,
    page: { skip: number; take: number },
  ): Promise<WebkassaResult<ShiftHistoryData>>
  /** `POST /api/v4/Check/History`: a shift's receipts, `take` ≤ 50. */
  checkHistory(
    token: string,
    cashbox: string,
    shiftNumber: number,
    page: { skip: number; take: number },
  ): Promise<WebkassaResult<CheckHistoryData>>
  /** `POST /api-history/v4/Ticket/GetTicketByExternalCheckNumber`: a receipt by our external number in a shift. */
  ticketByExternalNumber(
    token: string,
    cashbox: string,
    externalCheckNumber: string,
    shiftNumber: number,
  ): Promise<WebkassaResult<CheckData>>
  close(): Promise<void>
}
