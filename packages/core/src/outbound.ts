/**
 * Outbound HTTP to external systems (event provider, payment gateways, fiscal APIs): every call has a timeout,
 * idempotent calls get bounded retries, and a circuit breaker per target turns an outage into an immediate
 * `OutboundError('circuit-open')` instead of a pile of hanging requests. Calls are counted per operation and
 * outcome, for /metrics and for benchmarks that report how many partner calls a flow costs.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Counter, Gauge, type Registry } from 'prom-client'
import { Pool } from 'undici'
import {
  type CircuitBreakerOptions,
  CircuitOpenError,
  type CircuitState,
  createCircuitBreaker,
} from './circuit-breaker.ts'

export type OutboundFailure = 'timeout' | 'network' | 'circuit-open'

/** The only way a call rejects: the partner gave no answer (an HTTP error status is an answer, and resolves). */
export class OutboundError extends Error {
  readonly target: string
  readonly operation: string
  readonly kind: OutboundFailure
  constructor(target: string, operation: string, kind: OutboundFailure, options?: ErrorOptions) {
    super(`${target} ${operation}: ${kind}`, options)
    this.name = 'OutboundError'
    this.target = target
    this.operation = operation
    this.kind = kind
  }
}

export interface HttpTargetOptions {
  /** Names the partner in errors and metrics, e.g. 'event-provider'. */
  name: string
  /** Origin plus an optional path prefix that every call's path is appended to. */
  baseUrl: string
  /** Per attempt, from sending to the last body byte. */
  timeoutMs?: number
  /** Extra attempts, only for calls marked idempotent, on network errors, timeouts and 502/503/504. */
  retries?: number
  /** Delay before the first retry, doubled for each one after. */
  retryDelayMs?: number
  breaker?: CircuitBreakerOptions
  /** Keep-alive connections to the partner. */
  connections?: number
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  /** Undefined values are left out, so optional filters can be passed as they are. */
  query?: Record<string, string | number | undefined>
  json?: unknown
  form?: Record<string, string>
  headers?: Record<string, string>
  /** Safe to send twice; only such calls are retried, because a retried payment could charge twice. */
  idempotent?: boolean
}

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The body parsed as JSON; undefined for an empty body. */
  json<T = unknown>(): T | undefined
}

export interface HttpTarget {
  readonly name: string
  /**
   * Sends the call. Any HTTP status resolves; only network errors, timeouts and an open circuit reject, with
   * `OutboundError`. The breaker counts rejections and 502/503/504 as failures, never 4xx: those are our mistakes.
   */
  call(operation: string, request: HttpCall): Promise<HttpResult>
  /** Attempts so far: operation → outcome (the HTTP status such as '200' or '409', or a failure kind) → count. */
  stats(): Record<string, Record<string, number>>
  breakerState(): CircuitState
  close(): Promise<void>
}

/** Answers that say the partner (or a proxy in front of it) is down for now, so trying again may help. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504])

/** Undici's own timeouts, which fire only when the partner is slower than its defaults. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** A partner reached over HTTP through one keep-alive pool, with a timeout, retries and a circuit breaker. */
export function createHttpTarget(options: HttpTargetOptions): HttpTarget {
  const { name } = options
  const timeoutMs = options.timeoutMs ?? 5_000
  const retries = options.retries ?? 2
  const retryDelayMs = options.retryDelayMs ?? 100
  const base = new URL(options.baseUrl)
  const prefix = base.pathname.replace(/\/$/, '')
  const pool = new Pool(base.origin, { connections: options.connections ?? 32 })
  const breaker = createCircuitBreaker(options.breaker)
  const counts = new Map<string, Map<string, number>>()

  function count(operation: string, outcome: string) {
    const byOutcome = counts.get(operation) ?? new Map<string, number>()
    counts.set(operation, byOutcome)
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1)
  }

  function prepare(request: HttpCall) {
    const headers: Record<string, string> = {}
    let body: string | undefined
    if (request.json !== undefined) {
      body = JSON.stringify(request.json)
      headers['content-type'] = 'application/json'
    } else if (request.form) {
      body = new URLSearchParams(request.form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    // Lower-cased so a caller's `Content-Type` replaces ours instead of going out beside it.
    for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = value
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) search.append(key, String(value))
    }
    const query = search.toString()
    return { path: `${prefix}${request.path}${query ? `?${query}` : ''}`, headers, body }
  }

  async function attempt(operation: string, method: HttpCall['method'], prepared: ReturnType<typeof prepare>) {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      const response = await pool.request({ method, ...prepared, signal: controller.signal })
      const text = await response.body.text()
      return toResult(response.statusCode, response.headers, text)
    } catch (error) {
      const code = (error as { code?: string }).code
      const kind = controller.signal.aborted || TIMEOUT_CODES.has(code ?? '') ? 'timeout' : 'network'
      throw new OutboundError(name, operation, kind, { cause: error })
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    name,
    async call(operation, request) {
      const prepared = prepare(request)
      const attempts = request.idempotent ? retries + 1 : 1
      for (let i = 1; ; i++) {
        let result: HttpResult
        try {
          result = await breaker.run(
            () => attempt(operation, request.method, prepared),
            (answer) => UNAVAILABLE_STATUSES.has(answer.status),
          )
        } catch (error) {
          const failure =
            error instanceof CircuitOpenError
              ? new OutboundError(name, operation, 'circuit-open', { cause: error })
              : (error as OutboundError)
          count(operation, failure.kind)
          // Retrying into an open circuit would only count more refusals.
          if (failure.kind === 'circuit-open' || i >= attempts) throw failure
          await sleep(retryDelayMs * 2 ** (i - 1))
          continue
        }
        count(operation, String(result.status))
        if (i >= attempts || !UNAVAILABLE_STATUSES.has(result.status)) return result
        await sleep(retryDelayMs * 2 ** (i - 1))
      }
    },
    stats() {
      const snapshot: Record<string, Record<string, number>> = {}
      for (const [operation, byOutcome] of counts) snapshot[operation] = Object.fromEntries(byOutcome)
      return snapshot
    },
    breakerState: () => breaker.state(),
    close: () => pool.close(),
  }
}

function toResult(status: number, headers: HttpResult['headers'], text: string): HttpResult {
  return {
    status,
    headers,
    text,
    json<T>() {
      return text === '' ? undefined : (JSON.parse(text) as T)
    },
  }
}

/**
 * Exposes the targets' counts and breaker states on a registry. Counts are read from `stats()` at scrape time,
 * so a target needs no registry of its own and benchmarks can read the same numbers without Prometheus.
 * Call once per registry, with every target.
 */
export function registerOutboundMetrics(registry: Registry, targets: HttpTarget[]): void {
  new Counter({
    name: 'outbound_requests_total',
    help: 'Attempts at calls to external systems by target, operation and outcome (HTTP status or failure kind)',
    labelNames: ['target', 'operation', 'outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const target of targets) {
        for (const [operation, byOutcome] of Object.entries(target.stats())) {
          for (const [outcome, n] of Object.entries(byOutcome)) this.inc({ target: target.name, operation, outcome }, n)
        }
      }
    },
  })
  new Gauge({
    name: 'circuit_breaker_open',
    help: 'Whether an external system is considered down (1: open, or half-open until a probe succeeds) or up (0)',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      for (const target of targets) this.set({ target: target.name }, target.breakerState() === 'closed' ? 0 : 1)
    },
  })
}
