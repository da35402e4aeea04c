import { setTimeout as delay } from 'node:timers/promises'
import Fastify, { type FastifyError } from 'fastify'
import { createFaultSwitch, type Faults, type FaultsPatch } from './faults.ts'
import { providerRoutes } from './routes.ts'
import { simRoutes } from './sim-routes.ts'
import { createProviderState, type HallSize, type ProviderState } from './state.ts'

export interface EventProviderOptions {
  /** The hall seeded at build time with stable ids; the real stadium is 100 rows × 1000 seats. */
  places?: HallSize
  /** Delay of the asynchronous projections (order membership, `is_free`, new rows); default 50 ms. */
  projectionLagMs?: number
  /** How long after a winning select another select of that place counts as racing it; default 10 ms. */
  raceWindowMs?: number
  /** Share of racing select losers answered 500 (event-store PK clash) rather than 409; default 0.5. */
  raceFailure500Probability?: number
  clock?: () => number
  random?: () => number
  logger?: boolean
}

/** The programmatic side door of the simulator, on `app.simulator`. */
export interface EventProviderSimulator {
  state: ProviderState
  getFaults(): Faults
  /** Changes only the named fields; throws a `TypeError` on an invalid patch and changes nothing. */
  setFaults(patch: FaultsPatch): Faults
  resetFaults(): void
}

// `JSON.parse` failures become this marker rather than Fastify's 400, so each route can answer as the provider does.
const UNPARSABLE_BODY = Symbol('unparsable body')

/**
 * Builds the Event Provider simulator: the partner API, admin place creation and the `/__sim` fault switch, all in
 * memory (the provider has no reset; state lives as long as the process). Errors are status codes with no body.
 */
export function buildEventProviderApp(options: EventProviderOptions = {}) {
  const random = options.random ?? Math.random
  const state = createProviderState({
    places: options.places ?? { rows: 100, seatsPerRow: 1000 },
    projectionLagMs: options.projectionLagMs ?? 50,
    raceWindowMs: options.raceWindowMs ?? 10,
    raceFailure500Probability: options.raceFailure500Probability ?? 0.5,
    clock: options.clock ?? Date.now,
    random,
  })
  const faults = createFaultSwitch()
  const simulator: EventProviderSimulator = {
    state,
    getFaults: () => faults.get(),
    setFaults(patch) {
      const problem = faults.set(patch)
      if (problem) throw new TypeError(problem)
      return faults.get()
    },
    resetFaults: () => faults.reset(),
  }

  const app = Fastify({ logger: options.logger ?? false })
  app.decorate('simulator', simulator)

  // Clients of the real provider send PATCH with an empty JSON body or none; neither may turn into a 400.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(null, UNPARSABLE_BODY)
    }
  })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined))

  // Faults touch only the provider's own API: the `/__sim` switch must stay reachable to end an outage.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return
    const current = faults.get()
    if (current.latencyMs > 0) await delay(current.latencyMs)
    if (current.outage) {
      reply.code(503).send()
      return reply
    }
    if (current.errorRate > 0 && random() < current.errorRate) {
      reply.code(500).send()
      return reply
    }
  })

  app.setNotFoundHandler((_request, reply) => reply.code(404).send())

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (request.url.startsWith('/__sim/')) {
      return reply.code(status).send({ error: { code: error.code ?? 'ERROR', message: error.message } })
    }
    // The real provider answers a body it cannot read with 422 and everything unexpected with a bare 500.
    return reply.code(status >= 400 && status < 500 ? 422 : 500).send()
  })

  app.register(providerRoutes, { state })
  app.register(simRoutes, { faults, state })

  return app as typeof app & { simulator: EventProviderSimulator }
}

export type EventProviderApp = ReturnType<typeof buildEventProviderApp>
