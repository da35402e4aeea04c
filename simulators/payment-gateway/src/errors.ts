/**
 * A gateway error as the real service reports it: HTTP status plus its four-digit `errorCode`. The code families
 * follow the gateway docs: 1xxx init/check, 2xxx confirm, 3xxx cancel, 9999 internal.
 */
export class GatewayError extends Error {
  readonly status: number
  readonly errorCode: string
  readonly details?: unknown
  constructor(status: number, errorCode: string, message: string, details?: unknown) {
    super(message)
    this.name = 'GatewayError'
    this.status = status
    this.errorCode = errorCode
    this.details = details
  }
}

/** The error envelope of the deployed gateway (camelCase, as its generated OpenAPI document shows). */
export function errorBody(error: GatewayError, now: number, correlationId: string) {
  return {
    success: false,
    errorCode: error.errorCode,
    message: error.message,
    details: error.details ?? null,
    timestamp: new Date(now).toISOString(),
    correlationId,
  }
}
