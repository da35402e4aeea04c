import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolStats } from './db.ts'

export interface MetricsOptions {
  poolStats?: () => PoolStats
  /** Requests the app is working on now (load shedding's counter). */
  inFlight?: () => number
}

/** Registers Prometheus metrics for one app on its own registry and serves them at `/metrics`. */
export function installMetrics(app: FastifyInstance, service: string, options: MetricsOptions = {}): Registry {
  const { poolStats, inFlight } = options
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
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
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: reply.statusCode })
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
  app.get('/metrics', { schema: { hide: true }, config: { alwaysServe: true } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
  return registry
}

declare module 'fastify' {
  interface FastifyInstance {
    countError(code: string): void
    /** The registry `/metrics` serves; modules add their own metrics to it. */
    metricsRegistry: Registry
  }
}
