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
