import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Database, PoolStats } from './db.ts'

/** Limits past which a process refuses new requests at once instead of queueing them. Per process. */
export interface OverloadOptions {
  /**
   * Requests this process works on at once; past it new ones get 503 OVERLOADED. Bounds memory and CPU on routes
   * that never touch the database (cached pages). Default 1024; 0 turns the check off.
   */
  maxInFlight?: number
  /**
   * Queries waiting for a pooled database connection; while more wait, new requests get 503 OVERLOADED. This is
   * the queue that made 2 000 connections answer in seconds: every request waited behind it. Default 100 (five
   * times a 20-connection pool: a few tens of milliseconds of queue on short statements); 0 turns it off.
   */
  maxPoolWaiting?: number
  /** What Retry-After tells a refused client, in seconds. Default 1. */
  retryAfterSeconds?: number
}

export const overloadDefaults = { maxInFlight: 1024, maxPoolWaiting: 100, retryAfterSeconds: 1 } as const

const noPool: PoolStats = Object.freeze({ total: 0, idle: 0, waiting: 0 })

/**
 * Load shedding as the app's first `onRequest` hook: past a limit a request is refused with a ready-made
 * 503 OVERLOADED and Retry-After before it costs a body parse, a validation or a query. Routes with
 * `config: { alwaysServe: true }` (/health, /metrics) are never refused. While the app closes, every request
 * gets 503 UNAVAILABLE with `Connection: close` in the same envelope (Fastify's own closing answer has another
 * shape, so createApp turns it off).
 *
 * Per admitted request this costs one counter increment, two comparisons (the pool figure is a live view, no
 * allocation) and one `close` listener on the response, which decrements the counter however the response ends
 * (sent, failed or the client gone: `onResponse` misses the last case and the counter would leak). A client that
 * hangs up thus frees its slot while its handler may still finish a query; the pool-queue limit bounds that work.
 *
 * Why not @fastify/under-pressure: its signals (event-loop delay and utilisation, heap, RSS, a polled health
 * check) are sampled on a timer, at best every few milliseconds and by default every second, while this queue
 * fills within milliseconds and mostly waits on I/O: the event loop can stay responsive while every request waits
 * for a database connection (the audit's service stayed up while /health timed out in that queue). It has no notion of requests in flight or a pool
 * queue, a failing health check marks the whole service unhealthy, and its hook reads `request.routeOptions`,
 * which Fastify 5 builds as a new object on every access, on every request. Two exact counters read in O(1) fit
 * the problem better than a sampled proxy for it.
 */
export function installLoadShedding(
  app: FastifyInstance,
  {
    db,
    limits = {},
    errorBody,
  }: {
    db?: Database
    limits?: OverloadOptions
    /** The JSON error body for a code, as the app's error handler writes it. */
    errorBody: (code: string) => string
  },
): { inFlight(): number } {
  let maxInFlight = limitOrOff(limits.maxInFlight ?? overloadDefaults.maxInFlight)
  const maxPoolWaiting = limitOrOff(limits.maxPoolWaiting ?? overloadDefaults.maxPoolWaiting)
  const retryAfter = String(limits.retryAfterSeconds ?? overloadDefaults.retryAfterSeconds)
  const poolStats = db ? () => db.poolStats() : () => noPool
  const overloaded = errorBody('OVERLOADED')
  const unavailable = errorBody('UNAVAILABLE')
  let inFlight = 0
  let closing = false
  const release = () => {
    inFlight--
  }

  function refuse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    if (closing) {
      app.countError('UNAVAILABLE')
      reply.code(503).header('connection', 'close').type('application/json; charset=utf-8').send(unavailable)
      return
    }
    // Only refused requests pay for reading the route's config (an object built per access).
    if (request.routeOptions.config.alwaysServe) return done()
    app.countError('OVERLOADED')
    reply.code(503).header('retry-after', retryAfter).type('application/json; charset=utf-8').send(overloaded)
  }

  app.addHook('onRequest', (request, reply, done) => {
    if (inFlight < maxInFlight && poolStats().waiting <= maxPoolWaiting) {
      inFlight++
      reply.raw.on('close', release)
      return done()
    }
    refuse(request, reply, done)
  })
  app.addHook('preClose', (done) => {
    closing = true
    // Sends every request down the refusing path without a second check on the admitted one.
    maxInFlight = -1
    done()
  })
  return { inFlight: () => inFlight }
}

/** 0 turns a limit off. */
function limitOrOff(limit: number): number {
  return limit === 0 ? Number.POSITIVE_INFINITY : limit
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Never refused by load shedding: /health and /metrics must answer while the service sheds load. */
    alwaysServe?: boolean
  }
}
