import {
  type AppError,
  ConnectorError,
  connectorErrorFromOutbound,
  connectorErrorFromStatus,
  connectorErrorToAppError,
  type HttpResult,
  type HttpTarget,
  OutboundError,
} from '@kokdala/core'
import { requestToken } from '@kokdala/toleubar'
import { TicketsError } from '../../../errors.ts'

/** An answer the gateway gave on purpose: a 2xx or a 4xx with a JSON body. */
export interface GatewayReply {
  status: number
  body: Record<string, unknown>
}

export interface ToleubarClientOptions {
  http: HttpTarget
  teamSlug: string
  password: string
}

const CONNECTOR = 'ТөлеуБар'

/**
 * Outages, timeouts, an open breaker, 5xx and answers we cannot read all mean "try again later", never "the payment
 * failed". (Refusals are read from the gateway's own codes below, not from the connector error's kind.)
 */
function unavailable(error: ConnectorError): AppError {
  return connectorErrorToAppError(error, TicketsError, {
    timeout: 'GATEWAY_UNAVAILABLE',
    unavailable: 'GATEWAY_UNAVAILABLE',
    protocol: 'GATEWAY_UNAVAILABLE',
    auth: 'GATEWAY_UNAVAILABLE',
    rejected: 'GATEWAY_UNAVAILABLE',
  })
}

function jsonObject(result: HttpResult): Record<string, unknown> | undefined {
  try {
    const body = result.json()
    return body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads a body field whatever its casing: the gateway answers camelCase, but its authentication filter writes
 * PascalCase errors (`ErrorCode`, `Message`; research §3.2).
 */
export function field(body: Record<string, unknown>, name: string): unknown {
  if (name in body) return body[name]
  const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : body[key]
}

/** 2xx and not `success: false` — the response DTOs carry `success`, so a refusal could come with a 200. */
export function succeeded(reply: GatewayReply): boolean {
  return reply.status >= 200 && reply.status < 300 && field(reply.body, 'success') !== false
}

/** The gateway's four-digit `errorCode` (1002 duplicate order, 1100 validation…), as a string. */
export function gatewayCode(reply: GatewayReply): string | undefined {
  const code = field(reply.body, 'errorCode')
  return code === undefined || code === null ? undefined : String(code)
}

/**
 * The gateway's refusal as our stable error, with its own wording: validation problems come as a list of strings
 * in `details`, and they are what tells an operator which limit was hit.
 */
export function rejected(reply: GatewayReply): AppError {
  const message = field(reply.body, 'message')
  const details = field(reply.body, 'details')
  const problems = Array.isArray(details) ? details.filter((item) => typeof item === 'string') : []
  const text = typeof message === 'string' && message !== '' ? message : `ТөлеуБар answered HTTP ${reply.status}`
  return new TicketsError('PAYMENT_REJECTED', problems.length > 0 ? `${text}: ${problems.join('; ')}` : text, {
    gatewayCode: gatewayCode(reply),
  })
}

/**
 * Whether the gateway refused because the team's daily limit is used up. The organisers' client documentation
 * answers 429 `3015` (the simulator does the same); the researched code also has `1007` "Daily limit exceeded" and,
 * on the path deployed last, a 422 `1422` "Business rule violation" whose details name the `daily_amount` rule.
 */
export function dailyLimitReached(reply: GatewayReply): boolean {
  const code = gatewayCode(reply)
  if (code === '3015' || code === '1007') return true
  if (code !== '1422') return false
  return /daily/i.test(`${JSON.stringify(field(reply.body, 'details') ?? '')} ${field(reply.body, 'message') ?? ''}`)
}

function dailyLimit(reply: GatewayReply): AppError {
  const message = field(reply.body, 'message')
  return new TicketsError('GATEWAY_DAILY_LIMIT', undefined, {
    gatewayCode: gatewayCode(reply),
    reason: typeof message === 'string' ? message : `HTTP ${reply.status}`,
  })
}

/** Signed JSON requests to the ТөлеуБар merchant API over our outbound HTTP target. */
export function createToleubarClient({ http, teamSlug, password }: ToleubarClientOptions) {
  return {
    /**
     * POSTs `fields` with the team slug and the request token computed over exactly what is sent, as the gateway's
     * filter does. Resolves with 2xx/4xx answers; rejects with GATEWAY_UNAVAILABLE when there was no usable answer.
     * Only `idempotent` calls may be retried by the transport, because a repeated init would be a second attempt.
     */
    async post(operation: string, path: string, fields: Record<string, unknown>, idempotent: boolean) {
      const request = { teamSlug, ...fields }
      let result: HttpResult
      try {
        result = await http.call(operation, {
          method: 'POST',
          path,
          json: { ...request, token: requestToken(request, password) },
          idempotent,
        })
      } catch (error) {
        if (error instanceof OutboundError) throw unavailable(connectorErrorFromOutbound(error))
        throw error
      }
      if (result.status >= 500) throw unavailable(connectorErrorFromStatus(CONNECTOR, operation, result))
      const body = jsonObject(result)
      const reply = body && ({ status: result.status, body } satisfies GatewayReply)
      // The team's daily limit: nothing to retry before 00:00 UTC, so it is not an outage but its own refusal.
      if (reply && dailyLimitReached(reply)) throw dailyLimit(reply)
      // 429 is otherwise the gateway's rate limit (1429): a refusal for now, not for good.
      if (result.status === 429) throw unavailable(connectorErrorFromStatus(CONNECTOR, operation, result))
      // A body that is not the gateway's JSON (a proxy's HTML page, a wrong base URL) is not a decision about money.
      if (!reply) {
        const message = `${CONNECTOR} ${operation}: HTTP ${result.status} without a JSON body`
        throw unavailable(
          new ConnectorError({ connector: CONNECTOR, operation, kind: 'protocol', status: result.status }, message),
        )
      }
      return reply
    },
  }
}

export type ToleubarClient = ReturnType<typeof createToleubarClient>
