import { setTimeout as delay } from 'node:timers/promises'
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
} from 'fastify'
import type { TProperties } from 'typebox'
import { createFaultSwitch, type FaultSwitch, type Faults, type NoExtraFaults } from './faults.ts'
import { createOperationFaults, type OperationFaults } from './operations.ts'
import { createRequestLog, type RequestLog } from './request-log.ts'
import { SIM_PREFIX, simRoutes } from './routes.ts'

/** What the fault hook decided for one call: let it through, answer a status, drop it, or never answer. */
export type FaultDecision =
  | { action: 'pass' }
  | { action: 'answer'; status: number; fault: string }
  | { action: 'drop' | 'timeout'; fault: string }

export interface SimKitOptions<E extends TProperties> {
  /** The simulator's own switches beside outage/latency/errorRate: TypeBox properties, each with a default. */
  extraFaults?: E
  /** Start values that differ from the defaults; `DELETE /__sim/faults` returns to them. */
  initialFaults?: Partial<Faults<E>>
  /** Source of the `errorRate` draws (inject one in tests). */
  random?: () => number
  /**
   * Sends an injected error status the way the real system answers one (its error envelope, or nothing at all).
   * Default: the status with an empty body.
   */
  errorReply?: (reply: FastifyReply, status: number, request: FastifyRequest) => unknown
  /**
   * Whether the control routes exist (`/__sim/faults`, `/operations`, `/requests`); `/__sim/health` always does.
   * Off in production profiles (see `controlRoutesEnabled`), so nobody can switch faults on a shared simulator.
   */
  controlRoutes?: boolean
  /** Extra facts for `GET /__sim/health` (e.g. how many places the hall has). */
  health?: () => Record<string, unknown>
  /** How many calls the request log keeps; default 1000. */
  requestLogSize?: number
  /** The longest a `timeout` fault holds a request before dropping it anyway; default 10 minutes. */
  maxHoldMs?: number
}

/** Route option naming the operation a route performs (`{ config: { operation: 'init' } }`); else METHOD + url. */
export interface SimRouteConfig {
  operation?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The sim-kit operation the route performs: what `/__sim/operations/{op}` faults and the request log names. */
    operation?: string
  }
}

/** The route config that names a route's operation: `{ config: simOperation('confirm') }`. */
export function simOperation(operation: string): SimRouteConfig {
  return { operation }
}

/**
 * The simulator kit: one global fault switch, per-operation faults and scripts, a request log, and the fault hook
 * that applies them. `install(app)` puts the hook on every route the simulator registers afterwards and adds the
 * `/__sim` routes; `at(operation)` is the same hook for work that is not an HTTP route.
 */
export function createSimKit<E extends TProperties = NoExtraFaults>(options: SimKitOptions<E> = {}) {
  const faults: FaultSwitch<E> = createFaultSwitch(options.extraFaults, options.initialFaults)
  const operations: OperationFaults = createOperationFaults()
  const requests: RequestLog = createRequestLog(options.requestLogSize)
  const random = options.random ?? Math.random
  const known = new Set<string>()

  /** The fault hook: waits the injected latency, then decides what this call of `operation` gets. */
  async function at(operation: string): Promise<FaultDecision> {
    const specific = operations.next(operation)
    const latencyMs = faults.current.latencyMs + (specific?.latencyMs ?? 0)
    if (latencyMs > 0) await delay(latencyMs)
    if (specific?.drop) return { action: 'drop', fault: 'drop' }
    if (specific?.timeout) return { action: 'timeout', fault: 'timeout' }
    if (specific?.status !== undefined) {
      return { action: 'answer', status: specific.status, fault: `status ${specific.status}` }
    }
    if (faults.current.outage) return { action: 'answer', status: 503, fault: 'outage' }
    if (faults.current.errorRate > 0 && random() < faults.current.errorRate) {
      return { action: 'answer', status: 500, fault: 'errorRate' }
    }
    return { action: 'pass' }
  }

  /** Clears every fault: the global switch back to its start, no operation faults, no scripts. */
  function resetFaults(): void {
    faults.reset()
    operations.clear()
  }

  const kit = { faults, operations, requests, at, resetFaults, install, knownOperations: () => [...known].sort() }

  /**
   * Applies the kit to `app`: call it before registering the simulator's routes. Routes under `/__sim` are never
   * faulted, so an outage can always be ended. `controlRoutes` are the simulator's own `/__sim` routes (guarded
   * like the kit's).
   */
  function install(app: FastifyInstance, extra: { controlRoutes?: FastifyPluginAsync } = {}): void {
    const errorReply = options.errorReply ?? ((reply: FastifyReply, status: number) => reply.code(status).send())
    const held = new Set<FastifyReply>()
    const maxHoldMs = options.maxHoldMs ?? 600_000
    const calls = new WeakMap<FastifyRequest, { at: string; started: number; fault?: string }>()

    function record(request: FastifyRequest, operation: string, status: number) {
      const call = calls.get(request)
      if (!call) return
      calls.delete(request)
      requests.add({
        at: call.at,
        operation,
        method: request.method,
        url: request.url,
        status,
        durationMs: Math.round((performance.now() - call.started) * 10) / 10,
        ...(call.fault ? { fault: call.fault } : {}),
      })
    }

    function hold(request: FastifyRequest, reply: FastifyReply, operation: string) {
      reply.hijack()
      held.add(reply)
      // The client giving up (its timeout) closes the connection; that is the end of the call.
      const timer = setTimeout(() => reply.raw.destroy(), maxHoldMs).unref()
      reply.raw.once('close', () => {
        clearTimeout(timer)
        held.delete(reply)
        record(request, operation, 0)
      })
    }

    function faultHook(operation: string): onRequestHookHandler {
      return async function applyFaults(request, reply) {
        calls.set(request, { at: new Date().toISOString(), started: performance.now() })
        const decision = await at(operation)
        if (decision.action === 'pass') return
        calls.get(request)!.fault = decision.fault
        if (decision.action === 'answer') {
          await errorReply(reply, decision.status, request)
          return reply
        }
        if (decision.action === 'drop') {
          reply.hijack()
          record(request, operation, 0)
          reply.raw.destroy()
          return reply
        }
        hold(request, reply, operation)
        return reply
      }
    }

    function logHook(operation: string): onResponseHookHandler {
      return async function logCall(request, reply) {
        record(request, operation, reply.statusCode)
      }
    }

    app.addHook('onRoute', (route) => {
      if (route.url.startsWith(SIM_PREFIX)) return
      const method = Array.isArray(route.method) ? route.method.join(',') : route.method
      // Fastify adds a HEAD twin for every GET: it is the same operation, not one to list apart.
      const operation = (route.config as SimRouteConfig | undefined)?.operation ?? `${method} ${route.url}`
      if (method !== 'HEAD') known.add(operation)
      route.onRequest = [...asArray(route.onRequest), faultHook(operation)]
      route.onResponse = [...asArray(route.onResponse), logHook(operation)]
    })
    // A held request would keep the server from closing; the simulator going away ends it like a crash would.
    // Waiting for each 'close' lets the request log record them before `close()` resolves.
    app.addHook('preClose', async () => {
      await Promise.all(
        [...held].map((reply) => {
          const closed = new Promise((resolve) => reply.raw.once('close', resolve))
          reply.raw.destroy()
          return closed
        }),
      )
    })
    app.register(simRoutes, {
      kit,
      controlRoutes: options.controlRoutes ?? true,
      health: options.health,
      extraRoutes: extra.controlRoutes,
    })
  }

  return kit
}

export type SimKit<E extends TProperties = NoExtraFaults> = ReturnType<typeof createSimKit<E>>

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
