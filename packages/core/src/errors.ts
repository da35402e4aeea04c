/** One entry of a service's error catalogue: a stable code and the HTTP status it maps to. */
export interface ErrorDefinition {
  status: number
  message: string
}

export type ErrorCatalogue = Record<string, ErrorDefinition>

/** Errors every service shares; services add their own catalogue on top. */
export const coreErrors = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  FORBIDDEN: { status: 403, message: 'Not allowed' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL: { status: 500, message: 'Internal error' },
  UNAVAILABLE: { status: 503, message: 'Temporarily unavailable' },
  /** Answered by the HTTP parser's error handler (`client-errors.ts`) before any route is found. */
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  URI_TOO_LONG: { status: 414, message: 'The request URL is too long' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  /** Load shedding (`overload.ts`): the request was refused before any work; Retry-After says when to come back. */
  OVERLOADED: { status: 503, message: 'The service is overloaded; retry later' },
  METRICS_FORBIDDEN: { status: 403, message: 'Metrics are served to loopback clients or with the metrics token' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, message: 'The Idempotency-Key must be 1 to 255 printable ASCII characters' },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed; retry after Retry-After',
  },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used with a different request' },
  /** A job's payload does not match its definition's schema (`defineJob`): refused at enqueue. */
  JOB_PAYLOAD_INVALID: { status: 422, message: 'The job payload does not match its schema' },
  /** `exclusiveTransaction` could not take its table locks before its deadline. */
  DATABASE_BUSY: { status: 503, message: 'The database is busy; retry in a moment' },
  /** API tokens (`api-tokens/`): a valid token whose scopes do not cover the route. */
  INSUFFICIENT_SCOPE: { status: 403, message: 'The API token lacks a scope this request needs' },
  API_TOKEN_NOT_FOUND: { status: 404, message: 'API token not found' },
  API_TOKEN_NOT_ACTIVE: { status: 409, message: 'The API token is revoked or expired' },
  /** A partner gave no usable answer (`connector-error.ts`); retry later. */
  CONNECTOR_UNAVAILABLE: { status: 503, message: 'A partner system is unavailable; retry later' },
  /** A partner refused the request for good. */
  CONNECTOR_REJECTED: { status: 422, message: 'A partner system refused the request' },
  /** A received Standard Webhook (`webhooks/guard.ts`) whose signature is missing, out of date or wrong. */
  WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'The webhook signature is missing, out of date or wrong' },
  /** `requireAdminToken` (`admin-token.ts`): the service has no admin token configured, so its admin API is off. */
  ADMIN_API_DISABLED: { status: 403, message: 'The admin API is off: set the service admin token' },
  /** `requireAdminToken`: the bearer token is missing or not the admin token. */
  ADMIN_UNAUTHORIZED: { status: 401, message: 'The admin token is missing or wrong' },
} as const satisfies ErrorCatalogue

/**
 * The one error type services throw. `code` is stable and machine-readable; the app's error handler
 * maps it to an HTTP status through the catalogue, so business code never thinks in status codes.
 */
export class AppError extends Error {
  readonly code: string
  /** The thrower's own wording; without it the catalogue's message for the code is shown. */
  readonly explicitMessage?: string
  readonly details?: unknown
  /** For refusals that end (limits, busy resources): sent as the Retry-After header, in whole seconds. */
  readonly retryAfterMs?: number
  constructor(code: string, message?: string, details?: unknown, options: { retryAfterMs?: number } = {}) {
    super(message ?? code)
    this.name = 'AppError'
    this.code = code
    this.explicitMessage = message
    this.details = details
    this.retryAfterMs = options.retryAfterMs
  }
}

/** The codes of a catalogue, as the constructor of its error class accepts them. */
export type ErrorCode<C extends ErrorCatalogue> = keyof C & string

/** An `AppError` whose code is known to be one of a catalogue's. */
export interface CatalogueError<Code extends string> extends AppError {
  readonly code: Code
}

/** The class `errorClass` returns: `new TicketsError('SEAT_NOT_FREE')` compiles, a misspelt code does not. */
export interface CatalogueErrorClass<C extends ErrorCatalogue> {
  new (
    code: ErrorCode<C>,
    message?: string,
    details?: unknown,
    options?: { retryAfterMs?: number },
  ): CatalogueError<ErrorCode<C>>
  readonly catalogue: C
  /** Whether `error` is an `AppError` with this code (a misspelt code fails `tsc` here too). */
  is(error: unknown, code: ErrorCode<C>): error is CatalogueError<ErrorCode<C>>
}

/**
 * An `AppError` subclass bound to one catalogue (core's codes and the service's together): `tsc` rejects a code
 * that is not in it, so a typo no longer becomes a silent 500. A code computed at run time that is not in the
 * catalogue throws a TypeError at once, which says more than the 500 it would have become.
 */
export function errorClass<const C extends ErrorCatalogue>(catalogue: C, name: string): CatalogueErrorClass<C> {
  const Bound = class extends AppError {
    static readonly catalogue = catalogue
    static is(error: unknown, code: string): boolean {
      return error instanceof AppError && error.code === code
    }
    constructor(code: string, message?: string, details?: unknown, options?: { retryAfterMs?: number }) {
      if (!Object.hasOwn(catalogue, code))
        throw new TypeError(`${name}: the error code ${code} is not in the catalogue`)
      super(code, message, details, options)
      this.name = name
    }
  }
  Object.defineProperty(Bound, 'name', { value: name })
  return Bound as unknown as CatalogueErrorClass<C>
}

/** Core's own errors, for core modules that throw (API tokens, connectors). */
export const CoreError = errorClass(coreErrors, 'CoreError')
