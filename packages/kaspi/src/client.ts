import {
  type CircuitBreakerOptions,
  ConnectorError,
  connectorErrorFromOutbound,
  connectorErrorKindOfStatus,
  createHttpTarget,
  type HttpResult,
  type HttpTarget,
  OutboundError,
} from '@kokdala/core'
import {
  KASPI_REFUND_METHODS,
  KASPI_STATUSES,
  type KaspiEnvelope,
  type KaspiRefundMethod,
  type KaspiStatus,
} from './wire.ts'

/** Names the terminal in connector errors and outbound metrics. */
export const KASPI_CONNECTOR = 'kaspi-terminal'

export interface KaspiTerminalClientOptions {
  /** The terminal's address with any path prefix: `https://10.0.0.21:8080` or `http://127.0.0.1:9003/terminals/1`. */
  baseUrl: string
  /** Sent as `accesstoken` on refund and deviceinfo, as the terminal requires. */
  accessToken: string
  /** Per call; default 5 s. */
  timeoutMs?: number
  /** Extra attempts of the read-only calls (status, actualize, deviceinfo); default 1. Payments are never retried. */
  retries?: number
  breaker?: CircuitBreakerOptions
  /** Names the terminal in errors and metrics; default `kaspi-terminal`. */
  name?: string
}

export interface KaspiRefundInput {
  method: KaspiRefundMethod
  /** Whole tenge, as the terminal takes it. */
  amountTenge: number
  /** The terminal's own id of the purchase being refunded (`transactionId` of its status). */
  transactionId: string
}

export interface KaspiTerminalClient {
  /** `GET /v2/payment?amount=`: the terminal shows a QR for `amountTenge` (whole tenge). */
  startPayment(amountTenge: number): Promise<{ processId: string }>
  /** `GET /v2/status?processId=`. */
  status(processId: string): Promise<KaspiStatus>
  /** `GET /v2/actualize?processId=`: resolves an `unknown` status. */
  actualize(processId: string): Promise<KaspiStatus>
  /** `GET /v2/cancel?processId=`: the process ends `fail`. */
  cancel(processId: string): Promise<void>
  /** `GET /v2/refund?…` with `accesstoken`: the terminal shows a refund QR the customer confirms. */
  refund(input: KaspiRefundInput): Promise<{ processId: string }>
  /** `GET /v2/deviceinfo` with `accesstoken`: the terminal is up and our token is accepted. */
  deviceInfo(): Promise<Record<string, unknown>>
  /** Outbound counts per call and outcome. */
  stats(): Record<string, Record<string, number>>
  close(): Promise<void>
}

const MAX_ERROR_TEXT = 200

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
}

/** A whole, positive, safe number of tenge: the terminal takes nothing else, and a fraction must not be truncated. */
function wholeTenge(operation: string, amount: number): number {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`${KASPI_CONNECTOR} ${operation}: amount must be whole tenge > 0, got ${amount}`)
  }
  return amount
}

/**
 * The Kaspi Smart POS local API of one terminal, over core's outbound HTTP target (timeout, breaker, metrics).
 * Every call is a GET without a body. Every failure rejects with a core `ConnectorError`:
 * - no answer: `timeout`, or `unavailable` (the terminal is offline, the breaker open);
 * - HTTP 401/403: `auth` (the access token was refused); 5xx: `unavailable`;
 * - a non-zero `statusCode` (or another 4xx): `rejected`, with the terminal's `errorText` as the message and its
 *   `statusCode` as `partnerCode` (a busy terminal, an unknown process, a refund above what is left);
 * - an empty body, a body that is not JSON, or JSON without the fields the call needs: `protocol`.
 */
export function createKaspiTerminalClient(options: KaspiTerminalClientOptions): KaspiTerminalClient {
  const connector = options.name ?? KASPI_CONNECTOR
  const http: HttpTarget = createHttpTarget({
    name: connector,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs ?? 5_000,
    retries: options.retries ?? 1,
    breaker: options.breaker,
    connections: 4,
  })
  const authHeaders = { accesstoken: options.accessToken }

  function protocol(operation: string, result: HttpResult | undefined, why: string): ConnectorError {
    return new ConnectorError(
      { connector, operation, kind: 'protocol', status: result?.status },
      `${connector} ${operation}: ${why}`,
    )
  }

  /** One GET; resolves with `data` of a `statusCode: 0` answer, rejects with a ConnectorError otherwise. */
  async function call(
    operation: string,
    path: string,
    query: Record<string, string | number>,
    { auth = false, idempotent = false } = {},
  ): Promise<unknown> {
    let result: HttpResult
    try {
      result = await http.call(operation, {
        method: 'GET',
        path,
        query,
        headers: { accept: '*/*', 'content-type': 'application/json', ...(auth ? authHeaders : {}) },
        idempotent,
      })
    } catch (error) {
      if (error instanceof OutboundError) throw connectorErrorFromOutbound(error)
      throw error
    }
    let body: unknown
    try {
      body = result.json()
    } catch {
      body = undefined
    }
    const envelope = isObject(body) ? (body as Partial<KaspiEnvelope>) : undefined
    const errorText = typeof envelope?.errorText === 'string' && envelope.errorText !== '' ? envelope.errorText : ''
    if (result.status !== 200) {
      const kind = connectorErrorKindOfStatus(result.status)
      const partnerCode = typeof envelope?.statusCode === 'number' ? String(envelope.statusCode) : undefined
      const why = errorText ? clip(errorText) : `HTTP ${result.status}`
      // A 2xx or 3xx other than 200 is no answer this API gives: a refusal of some proxy, not money moved.
      throw new ConnectorError(
        { connector, operation, kind: kind === 'protocol' ? 'rejected' : kind, status: result.status, partnerCode },
        `${connector} ${operation}: ${why}`,
      )
    }
    if (result.text.trim() === '') throw protocol(operation, result, 'empty answer')
    if (!envelope) throw protocol(operation, result, 'answer is not a JSON object')
    if (typeof envelope.statusCode !== 'number') throw protocol(operation, result, 'answer has no statusCode')
    if (envelope.statusCode !== 0) {
      throw new ConnectorError(
        { connector, operation, kind: 'rejected', status: result.status, partnerCode: String(envelope.statusCode) },
        `${connector} ${operation}: ${errorText ? clip(errorText) : `statusCode ${envelope.statusCode}`}`,
      )
    }
    return envelope.data
  }

  function processOf(operation: string, data: unknown): { processId: string } {
    const processId = isObject(data) ? data.processId : undefined
    if ((typeof processId !== 'string' && typeof processId !== 'number') || String(processId) === '') {
      throw protocol(operation, undefined, 'answer has no data.processId')
    }
    return { processId: String(processId) }
  }

  function statusOf(operation: string, data: unknown): KaspiStatus {
    if (!isObject(data) || !(KASPI_STATUSES as readonly unknown[]).includes(data.status)) {
      throw protocol(operation, undefined, 'answer has no data.status of wait|success|fail|unknown')
    }
    return data as KaspiStatus
  }

  function requireProcessId(operation: string, processId: string): string {
    if (typeof processId !== 'string' || processId === '') {
      throw new RangeError(`${connector} ${operation}: processId must be a non-empty string`)
    }
    return processId
  }

  return {
    async startPayment(amountTenge) {
      const amount = wholeTenge('payment', amountTenge)
      return processOf('payment', await call('payment', '/v2/payment', { amount }))
    },
    async status(processId) {
      const id = requireProcessId('status', processId)
      return statusOf('status', await call('status', '/v2/status', { processId: id }, { idempotent: true }))
    },
    async actualize(processId) {
      const id = requireProcessId('actualize', processId)
      return statusOf('actualize', await call('actualize', '/v2/actualize', { processId: id }, { idempotent: true }))
    },
    async cancel(processId) {
      const id = requireProcessId('cancel', processId)
      await call('cancel', '/v2/cancel', { processId: id })
    },
    async refund({ method, amountTenge, transactionId }) {
      if (!(KASPI_REFUND_METHODS as readonly string[]).includes(method)) {
        throw new RangeError(`${connector} refund: method must be qr, card or alaqan, got ${String(method)}`)
      }
      if (typeof transactionId !== 'string' || transactionId === '') {
        throw new RangeError(`${connector} refund: transactionId must be a non-empty string`)
      }
      const amount = wholeTenge('refund', amountTenge)
      const data = await call('refund', '/v2/refund', { method, amount, transactionId }, { auth: true })
      return processOf('refund', data)
    },
    async deviceInfo() {
      const data = await call('deviceinfo', '/v2/deviceinfo', {}, { auth: true, idempotent: true })
      return isObject(data) ? data : {}
    },
    stats: () => http.stats(),
    close: () => http.close(),
  }
}
