/**
 * What went wrong with a partner, in one shape for every connector (gateways, fiscal APIs, the event provider), so
 * services decide on the kind and never on a partner's status codes. The connector builds it; the service edge
 * turns it into the service's own `AppError` with `connectorErrorToAppError`.
 */
import { type AppError, type CatalogueErrorClass, CoreError, type ErrorCatalogue, type ErrorCode } from './errors.ts'
import type { HttpResult, OutboundError } from './outbound.ts'

/**
 * - 'timeout': no answer in time (the partner may have acted: check before repeating a non-idempotent call);
 * - 'unavailable': down, overloaded, rate-limited or the breaker is open; retry later;
 * - 'rejected': the partner refused this request for good (validation, business rule);
 * - 'auth': our credentials were refused, even after a fresh token;
 * - 'protocol': an answer we cannot read (not the partner's JSON, a field missing).
 */
export type ConnectorErrorKind = 'timeout' | 'unavailable' | 'rejected' | 'auth' | 'protocol'

/** Kinds that a later attempt may get past without anything changing on our side. */
const RETRYABLE: Record<ConnectorErrorKind, boolean> = {
  timeout: true,
  unavailable: true,
  rejected: false,
  auth: false,
  protocol: false,
}

export interface ConnectorErrorInit {
  connector: string
  operation: string
  kind: ConnectorErrorKind
  /** Overrides the kind's default (e.g. a rejection the partner marks as temporary). */
  retryable?: boolean
  /** The partner's own error code ('1002', 'E_TOKEN_EXPIRED'), for operators and for mapping. */
  partnerCode?: string
  /** The HTTP status of the answer, when there was one. */
  status?: number
  cause?: unknown
}

/** A partner call that failed, typed by what the caller can do about it. */
export class ConnectorError extends Error {
  readonly connector: string
  readonly operation: string
  readonly kind: ConnectorErrorKind
  readonly retryable: boolean
  readonly partnerCode?: string
  readonly status?: number
  constructor(init: ConnectorErrorInit, message?: string) {
    super(message ?? `${init.connector} ${init.operation}: ${init.kind}`, { cause: init.cause })
    this.name = 'ConnectorError'
    this.connector = init.connector
    this.operation = init.operation
    this.kind = init.kind
    this.retryable = init.retryable ?? RETRYABLE[init.kind]
    this.partnerCode = init.partnerCode
    this.status = init.status
  }
}

/** The transport's failure (no answer at all) as a connector error: a timeout, or unavailable. */
export function connectorErrorFromOutbound(error: OutboundError): ConnectorError {
  return new ConnectorError(
    {
      connector: error.target,
      operation: error.operation,
      kind: error.kind === 'timeout' ? 'timeout' : 'unavailable',
      cause: error,
    },
    error.message,
  )
}

/**
 * The usual reading of an HTTP status that is not a success: 401/403 auth, 408/425/429 and 5xx unavailable, other
 * 4xx rejected, anything else (a 2xx or 3xx the call did not expect) protocol.
 */
export function connectorErrorKindOfStatus(status: number): ConnectorErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (status >= 500 || status === 408 || status === 425 || status === 429) return 'unavailable'
  return status >= 400 && status < 500 ? 'rejected' : 'protocol'
}

/**
 * An HTTP answer the call cannot use, read by its status (`connectorErrorKindOfStatus`). Connectors whose partner
 * says more (a code in the body) build their `ConnectorError` themselves.
 */
export function connectorErrorFromStatus(
  connector: string,
  operation: string,
  result: Pick<HttpResult, 'status'>,
  partnerCode?: string,
): ConnectorError {
  const { status } = result
  return new ConnectorError(
    { connector, operation, kind: connectorErrorKindOfStatus(status), status, partnerCode },
    `${connector} ${operation}: HTTP ${status}`,
  )
}

const MAX_REASON_LENGTH = 200
const MAX_CODE_LENGTH = 64

function clipped(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** Which code of the service's catalogue each kind becomes; kinds left out use core's defaults. */
export type ConnectorErrorCodes<Code extends string> = Partial<Record<ConnectorErrorKind, Code>>

const DEFAULT_CODES = {
  timeout: 'CONNECTOR_UNAVAILABLE',
  unavailable: 'CONNECTOR_UNAVAILABLE',
  auth: 'CONNECTOR_UNAVAILABLE',
  protocol: 'CONNECTOR_UNAVAILABLE',
  rejected: 'CONNECTOR_REJECTED',
} as const satisfies Record<ConnectorErrorKind, ErrorCode<typeof CoreError.catalogue>>

/**
 * The service edge: a `ConnectorError` becomes the service's `AppError` (through its typed error class, so the
 * codes are checked), with what an operator needs in `details` (`reason`, the connector, the kind, the partner's
 * code). Anything else is passed through unchanged, so `catch (e) { throw connectorErrorToAppError(e, …) }` is safe.
 */
export function connectorErrorToAppError<C extends ErrorCatalogue>(
  error: ConnectorError,
  ErrorClass: CatalogueErrorClass<C>,
  codes?: ConnectorErrorCodes<ErrorCode<C>>,
): AppError
export function connectorErrorToAppError<C extends ErrorCatalogue>(
  error: unknown,
  ErrorClass: CatalogueErrorClass<C>,
  codes?: ConnectorErrorCodes<ErrorCode<C>>,
): unknown
export function connectorErrorToAppError<C extends ErrorCatalogue>(
  error: unknown,
  ErrorClass: CatalogueErrorClass<C>,
  codes: ConnectorErrorCodes<ErrorCode<C>> = {},
): unknown {
  if (!(error instanceof ConnectorError)) return error
  // A 4xx shows details to our client, and the partner wrote part of them: bounded, so a partner answering with a
  // megabyte of "code" does not pass it on (the whole error stays on the ConnectorError, for the log).
  const details = {
    reason: clipped(error.message, MAX_REASON_LENGTH),
    connector: error.connector,
    operation: error.operation,
    kind: error.kind,
    ...(error.partnerCode === undefined ? {} : { partner_code: clipped(String(error.partnerCode), MAX_CODE_LENGTH) }),
  }
  const code = codes[error.kind]
  if (code !== undefined) return new ErrorClass(code, undefined, details)
  return new CoreError(DEFAULT_CODES[error.kind], undefined, details)
}
