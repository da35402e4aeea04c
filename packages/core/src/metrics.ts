import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { PoolStats } from './db.ts'
import { CoreError } from './errors.ts'
import { RequestMetrics } from './request-metrics.ts'

export interface MetricsOptions {
  poolStats?: () => PoolStats
  /** Requests the app is working on now (load shedding's counter). */
  inFlight?: () => number
  /** When set, /metrics requires `Authorization: Bearer <token>`; otherwise it answers loopback clients only. */
  token?: string
}

/**
 * Registers Prometheus metrics for one app on its own registry and serves them at `/metrics`. Requests no route
 * matched are recorded by the not-found handler through `recordUnmatched`.
 */
export function installMetrics(
  app: FastifyInstance,
  service: string,
  options: MetricsOptions = {},
): { registry: Registry; recordUnmatched: (request: FastifyRequest, reply: FastifyReply) => void } {
  const { poolStats, inFlight } = options
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const answers = new RequestMetrics(registry)
  const errors = new Counter({
    name: 'http_errors_total',
    help: 'Error answers by stable error code',
    labelNames: ['code'],
    registers: [registry],
  })
  if (poolStats) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const stats = poolStats()
        this.set({ state: 'total' }, stats.total)
        this.set({ state: 'idle' }, stats.idle)
        this.set({ state: 'waiting' }, stats.waiting)
      },
    })
  }
  if (inFlight) {
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests being worked on; past the limit new ones are refused with 503 OVERLOADED',
      registers: [registry],
      collect() {
        this.set(inFlight())
      },
    })
  }
  app.decorate('countError', (code: string) => errors.inc({ code }))
  // Each route records its own answers: its URL is known when it is registered, so no request reads
  // `request.routeOptions` (Fastify builds that object anew on every access).
  const recorder = (route: string) => {
    const record = answers.recorder(route)
    return (request: FastifyRequest, reply: FastifyReply) => {
      record(request.method, reply.statusCode, reply.elapsedTime / 1000)
    }
  }
  app.addHook('onRoute', (route) => {
    const record = recorder(route.url)
    const onResponse: onResponseHookHandler = (request, reply, done) => {
      record(request, reply)
      done()
    }
    route.onResponse = [...(route.onResponse ? [route.onResponse].flat() : []), onResponse]
  })
  const recordUnmatched = recorder('unmatched')
  app.get(
    '/metrics',
    { schema: { hide: true }, config: { alwaysServe: true }, onRequest: metricsAccess(options.token) },
    async (_request, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    },
  )
  return { registry, recordUnmatched }
}

/**
 * Who may read /metrics: they tell an outsider the routes, error rates and pool sizes, so a fresh deployment must
 * not publish them. With a token, only a request carrying it (compared in constant time); without one, only a
 * client on this machine that no proxy forwarded (a reverse proxy on the same host connects from loopback too,
 * and announces the real client in its forwarding headers).
 */
function metricsAccess(token: string | undefined) {
  const expected = token ? digest(token) : undefined
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected) {
      const match = /^bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      // Digests have one length, so the comparison takes the same time whatever was sent.
      if (match && timingSafeEqual(digest(match[1]), expected)) return
      reply.header('www-authenticate', 'Bearer realm="metrics"')
      throw new CoreError('UNAUTHORIZED', 'A bearer token is required for /metrics')
    }
    const { headers } = request
    const forwarded = headers.forwarded ?? headers['x-forwarded-for'] ?? headers['x-real-ip']
    if (!isLoopback(request.socket.remoteAddress) || forwarded !== undefined) throw new CoreError('METRICS_FORBIDDEN')
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1'
}

declare module 'fastify' {
  interface FastifyInstance {
    countError(code: string): void
    /** The registry `/metrics` serves; modules add their own metrics to it. */
    metricsRegistry: Registry
  }
}
