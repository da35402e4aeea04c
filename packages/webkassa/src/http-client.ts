import {
  type CircuitBreakerOptions,
  createHttpTarget,
  type HttpResult,
  type HttpTarget,
  OutboundError,
} from '@kokdala/core'
import { WEBKASSA_CONNECTOR, type WebkassaClient, type WebkassaClientOptions } from './client.ts'
import type { WebkassaResult } from './result.ts'
import type { CheckData, MoneyOperationData, MoneyOperationRequest, WebkassaErrorItem } from './wire.ts'

/** The client options plus what only the HTTP implementation has. */
export interface WebkassaHttpClientOptions extends WebkassaClientOptions {
  /** Core's circuit breaker per host; an open circuit is `unknown` / `network` (nothing was sent). */
  breaker?: CircuitBreakerOptions
  /** Keep-alive connections per host; default 16. */
  connections?: number
}

/** `WebkassaClient` plus the calls only some callers need (cash operations, lookup by fiscal number) and counts. */
export interface WebkassaHttpClient extends WebkassaClient {
  /** `POST /api/v4/MoneyOperation`: a cash deposit or withdrawal; `Data.Sum` is the balance afterwards. */
  moneyOperation(token: string, request: MoneyOperationRequest): Promise<WebkassaResult<MoneyOperationData>>
  /** `POST /api/v4/Check/HistoryByNumber`: a receipt by its fiscal number (`CheckNumber`) in a shift. */
  checkHistoryByNumber(
    token: string,
    cashbox: string,
    number: string,
    shiftNumber: number,
  ): Promise<WebkassaResult<CheckData>>
  /** Outbound attempts per operation and outcome (HTTP status or failure kind), over every host. */
  stats(): Record<string, Record<string, number>>
}

/** The header a 505 names the hosts to try instead in (comma-separated). */
const ALTERNATIVE_DOMAINS_HEADER = 'alternativedomainnames'
const FAILOVER_CODE = 505
/** Webkassa's own cap on a history page. */
const MAX_TAKE = 50

type Shape = (data: Record<string, unknown>) => boolean
const anyObject: Shape = () => true
const hasToken: Shape = (data) => typeof data.Token === 'string' && data.Token !== ''
const isReceipt: Shape = (data) => typeof data.CheckNumber === 'string' && typeof data.ShiftNumber === 'number'

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `Errors[]` as Webkassa sends it, or undefined when it is not a list of `{Code: number, Text?: string}`. */
function errorItems(value: unknown): WebkassaErrorItem[] | undefined {
  if (!Array.isArray(value)) return undefined
  const items: WebkassaErrorItem[] = []
  for (const item of value) {
    if (!isObject(item) || typeof item.Code !== 'number' || !Number.isInteger(item.Code)) return undefined
    items.push({ Code: item.Code, Text: typeof item.Text === 'string' ? item.Text.slice(0, 500) : '' })
  }
  return items
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '')
}

function page(skip: number, take: number) {
  if (!Number.isSafeInteger(skip) || skip < 0) throw new RangeError(`skip must be a whole number ≥ 0, got ${skip}`)
  if (!Number.isSafeInteger(take) || take < 1 || take > MAX_TAKE) {
    throw new RangeError(`take must be 1..${MAX_TAKE}, got ${take}`)
  }
  return { Skip: skip, Take: take }
}

/**
 * Webkassa API v4 over core's outbound HTTP (a timeout and a circuit breaker per host, counts per operation).
 * Every call is a POST of PascalCase JSON with `x-api-key`, the token in the body. The answer is classified by
 * `Errors[].Code`, never by the HTTP status alone: `Errors` → `errors` (with `Data` kept when both come, as code 14
 * may carry the original receipt); `Data` → `ok`; a timeout, a dropped connection, HTTP 5xx or a body that is not
 * the envelope → `unknown`, because a receipt may exist all the same. Nothing is retried (a receipt sent twice
 * under a lost answer is the caller's to look up), except one bounded failover on code 505 to a host the answer's
 * `AlternativeDomainNames` lists and `failoverHosts` allows, by the same scheme. No secret is ever put into a
 * result, an error or a log line: the client logs nothing and its results carry no request data.
 */
export function createWebkassaClient(options: WebkassaHttpClientOptions): WebkassaHttpClient {
  const base = new URL(options.baseUrl)
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new RangeError(`${WEBKASSA_CONNECTOR}: baseUrl must be http(s), got ${base.protocol}`)
  }
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    throw new RangeError(`${WEBKASSA_CONNECTOR}: apiKey is required`)
  }
  const prefix = base.pathname.replace(/\/$/, '')
  const allowedHosts = new Set((options.failoverHosts ?? []).map((host) => host.toLowerCase()))
  const targets = new Map<string, HttpTarget>()

  function targetFor(host: string): HttpTarget {
    let target = targets.get(host)
    if (!target) {
      target = createHttpTarget({
        name: WEBKASSA_CONNECTOR,
        baseUrl: `${base.protocol}//${host}${prefix}`,
        timeoutMs: options.timeoutMs ?? 30_000,
        retries: 0,
        breaker: options.breaker,
        connections: options.connections ?? 16,
      })
      targets.set(host, target)
    }
    return target
  }
  targetFor(base.host)

  /**
   * The first host of a 505's header we may go to: listed in `failoverHosts` exactly, reached by our own scheme
   * (an entry naming another scheme is skipped, so an answer can never downgrade the token to plain HTTP).
   */
  function failoverHostOf(result: HttpResult): string | undefined {
    for (const entry of headerValue(result.headers[ALTERNATIVE_DOMAINS_HEADER]).split(',')) {
      const text = entry.trim()
      if (text === '' || text.length > 255) continue
      let host: string
      try {
        if (text.includes('://')) {
          const url = new URL(text)
          if (url.protocol !== base.protocol || (url.pathname !== '/' && url.pathname !== '')) continue
          if (url.username || url.password || url.search || url.hash) continue
          host = url.host
        } else {
          const url = new URL(`${base.protocol}//${text}`)
          if (url.host !== text.toLowerCase()) continue
          host = url.host
        }
      } catch {
        continue
      }
      if (allowedHosts.has(host) && host !== base.host) return host
    }
    return undefined
  }

  async function send(
    host: string,
    operation: string,
    path: string,
    body: unknown,
  ): Promise<HttpResult | OutboundError> {
    try {
      return await targetFor(host).call(operation, {
        method: 'POST',
        path,
        json: body,
        headers: { 'x-api-key': options.apiKey, accept: 'application/json' },
      })
    } catch (error) {
      if (error instanceof OutboundError) return error
      // Anything else is a defect of ours; rethrown without the request (which holds the token) attached.
      throw new Error(`${WEBKASSA_CONNECTOR} ${operation}: ${(error as Error)?.name ?? 'Error'}`)
    }
  }

  function classify<T>(outcome: HttpResult | OutboundError, shape: Shape): WebkassaResult<T> {
    if (outcome instanceof OutboundError) {
      return { kind: 'unknown', reason: outcome.kind === 'timeout' ? 'timeout' : 'network' }
    }
    if (outcome.status >= 500) return { kind: 'unknown', reason: 'http_status', status: outcome.status }
    let envelope: unknown
    try {
      envelope = outcome.json()
    } catch {
      envelope = undefined
    }
    const notEnvelope = (): WebkassaResult<T> =>
      outcome.status >= 200 && outcome.status < 300
        ? { kind: 'unknown', reason: 'malformed', status: outcome.status }
        : { kind: 'unknown', reason: 'http_status', status: outcome.status }
    if (!isObject(envelope)) return notEnvelope()
    const data = isObject(envelope.Data) && shape(envelope.Data) ? (envelope.Data as T) : undefined
    if (envelope.Errors !== undefined && envelope.Errors !== null) {
      const errors = errorItems(envelope.Errors)
      if (!errors) return notEnvelope()
      if (errors.length > 0) return data === undefined ? { kind: 'errors', errors } : { kind: 'errors', errors, data }
    }
    if (data === undefined || outcome.status < 200 || outcome.status >= 300) return notEnvelope()
    return { kind: 'ok', data }
  }

  function isFailover(outcome: HttpResult | OutboundError): outcome is HttpResult {
    if (outcome instanceof OutboundError) return false
    try {
      const envelope = outcome.json<{ Errors?: unknown }>()
      return errorItems(envelope?.Errors)?.some((item) => item.Code === FAILOVER_CODE) ?? false
    } catch {
      return false
    }
  }

  /** One call: POST, classify, and on a 505 one more try on an allowed alternative host. */
  async function call<T>(operation: string, path: string, body: unknown, shape: Shape = anyObject) {
    const first = await send(base.host, operation, path, body)
    if (isFailover(first)) {
      const host = failoverHostOf(first)
      if (host !== undefined) return classify<T>(await send(host, operation, path, body), shape)
    }
    return classify<T>(first, shape)
  }

  return {
    authorize: (login, password) =>
      call('authorize', '/api/v4/Authorize', { Login: login, Password: password }, hasToken),
    check: (token, request) => call('check', '/api/v4/check', { Token: token, ...request }, isReceipt),
    xReport: (token, cashbox) => call('xReport', '/api/v4/XReport', { Token: token, CashboxUniqueNumber: cashbox }),
    zReport: (token, cashbox) => call('zReport', '/api/v4/ZReport', { Token: token, CashboxUniqueNumber: cashbox }),
    cashboxes: (token) => call('cashboxes', '/api/v4/Cashboxes', { Token: token }),
    shiftHistory: (token, cashbox, { skip, take }) =>
      call('shiftHistory', '/api/v4/Cashbox/ShiftHistory', {
        Token: token,
        CashboxUniqueNumber: cashbox,
        ...page(skip, take),
      }),
    checkHistory: (token, cashbox, shiftNumber, { skip, take }) =>
      call('checkHistory', '/api/v4/Check/History', {
        Token: token,
        CashboxUniqueNumber: cashbox,
        ShiftNumber: shiftNumber,
        ...page(skip, take),
      }),
    ticketByExternalNumber: (token, cashbox, externalCheckNumber, shiftNumber) =>
      call(
        'ticketByExternalNumber',
        '/api-history/v4/Ticket/GetTicketByExternalCheckNumber',
        {
          Token: token,
          CashboxUniqueNumber: cashbox,
          ExternalCheckNumber: externalCheckNumber,
          ShiftNumber: shiftNumber,
        },
        isReceipt,
      ),
    checkHistoryByNumber: (token, cashbox, number, shiftNumber) =>
      call(
        'checkHistoryByNumber',
        '/api/v4/Check/HistoryByNumber',
        { Token: token, CashboxUniqueNumber: cashbox, Number: number, ShiftNumber: shiftNumber },
        isReceipt,
      ),
    moneyOperation: (token, request) => call('moneyOperation', '/api/v4/MoneyOperation', { Token: token, ...request }),
    stats() {
      const total: Record<string, Record<string, number>> = {}
      for (const target of targets.values()) {
        for (const [operation, outcomes] of Object.entries(target.stats())) {
          total[operation] ??= {}
          const into = total[operation]
          for (const [outcome, n] of Object.entries(outcomes)) into[outcome] = (into[outcome] ?? 0) + n
        }
      }
      return total
    },
    async close() {
      await Promise.all([...targets.values()].map((target) => target.close()))
    },
  }
}
