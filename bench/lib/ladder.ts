import { createApp, type Database, errorResponses } from '@kokdala/core'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { installMetrics } from '../../packages/core/src/metrics.ts'
import { installLoadShedding } from '../../packages/core/src/overload.ts'
import { lazyRequestLogger } from '../../packages/core/src/request-logger.ts'
import { validatorCompilers } from '../../packages/core/src/validation.ts'
import type { EventRepository } from '../../services/tickets/src/modules/events/repository.ts'
import { eventRoutes } from '../../services/tickets/src/modules/events/routes.ts'
import { ListEventsQuery, ListEventsResponse } from '../../services/tickets/src/modules/events/schemas.ts'
import { createEventService } from '../../services/tickets/src/modules/events/service.ts'

/**
 * The rungs of the events-list cost ladder, bottom to top; each holds every piece of the rungs below it, so the
 * CPU a request costs on one rung minus the rung below is what its piece costs (bench/EVENTS-LIST-COST.md).
 */
export const rungs = {
  bare: 'bare Fastify route sending the cached bytes (the cached-bytes reference)',
  logger: "createApp's Fastify options: pino logger with a child per request, request ids, deadlines",
  'lazy-logger': "the same with core's lazy request logger (a child only for a request that logs)",
  'load-shedding': 'load shedding onRequest hook (in-flight counter, pool queue check, close listener)',
  'nul-check': 'NUL-in-URL onRequest hook',
  metrics: 'per-route onResponse hook: request counter and latency histogram',
  validation: "querystring validation (core's validator compilers) and the route's response schemas",
  'tickets-handler': "tickets' events route: async handler, input mapping, page cache look-up",
  'create-app': 'the real createApp (adds rate-limit, swagger, error handlers, content-type parser, /health)',
} as const

export type Rung = keyof typeof rungs

/** The page every rung answers: the bytes and content type tickets answered for `path`. */
export interface CachedPage {
  path: string
  body: Buffer
  contentType: string
}

/**
 * Builds the app of one rung: a Fastify instance serving `GET page.path` with the page's bytes, with the pieces of
 * `createApp` and of the tickets route up to and including that rung, each added the way createApp adds it. The
 * top rung is the real createApp with tickets' own events route.
 */
export async function buildRung(rung: Rung, page: CachedPage): Promise<FastifyInstance> {
  const order = Object.keys(rungs) as Rung[]
  const has = (piece: Rung) => order.indexOf(rung) >= order.indexOf(piece)
  // The events service over a repository that lists the page's rows: its cache then holds the same bytes.
  const rows = JSON.parse(page.body.toString('utf8'))
  const events = createEventService({ events: { listActive: async () => rows } as unknown as EventRepository })
  // A pg pool's figures, as load shedding reads them on every request.
  const db = { poolStats: () => ({ total: 20, idle: 20, waiting: 0 }) } as unknown as Database

  let app: FastifyInstance
  if (rung === 'create-app') {
    app = (await createApp({ service: 'tickets', version: '0', db, logLevel: 'warn' })) as unknown as FastifyInstance
  } else {
    const options = {
      logger: { level: 'warn', redact: ['req.headers.authorization'] },
      childLoggerFactory: has('lazy-logger') ? lazyRequestLogger : undefined,
      logController: new LogController({ disableRequestLogging: true }),
      requestIdHeader: 'x-request-id',
      schemaController: has('validation') ? validatorCompilers() : undefined,
      return503OnClosing: false,
      requestTimeout: 30_000,
      http: { headersTimeout: 10_000 },
      keepAliveTimeout: 72_000,
    }
    app = Fastify(has('logger') ? options : { logger: false }) as unknown as FastifyInstance
    if (has('load-shedding')) installLoadShedding(app, { db, errorBody: (code) => JSON.stringify({ error: { code } }) })
    if (has('metrics')) installMetrics(app, 'tickets', { poolStats: () => db.poolStats(), inFlight: () => 0 })
    if (has('nul-check')) {
      app.addHook('onRequest', (request, _reply, done) => {
        done(request.url.includes('%00') ? new Error('NUL') : undefined)
      })
    }
  }
  if (has('tickets-handler')) {
    await app.register(eventRoutes as never, { events, searchesPerMinute: 0 })
  } else {
    const schema = has('validation')
      ? { querystring: ListEventsQuery, response: { 200: ListEventsResponse, ...errorResponses(400, 429, 503) } }
      : undefined
    app.get(page.path.split('?')[0], { schema }, (_request, reply) => {
      reply.type(page.contentType).send(page.body)
    })
  }
  await app.ready()
  return app
}
