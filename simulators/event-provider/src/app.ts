import { type BaseFaults, createSimKit, type SimKit } from '@kokdala/sim-kit'
import Fastify, { type FastifyError } from 'fastify'
import { providerRoutes } from './routes.ts'
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
  /** Whether `/__sim` can switch faults over HTTP (default true; off in production profiles). */
  controlRoutes?: boolean
}

/** The programmatic side door of the simulator, on `app.simulator`. */
export interface EventProviderSimulator {
  state: ProviderState
  /** The simulator kit: per-operation faults, scripted answers, the request log. */
  kit: SimKit
  getFaults(): BaseFaults
  /** Changes only the named fields; throws a `TypeError` on an invalid patch and changes nothing. */
  setFaults(patch: Partial<BaseFaults>): BaseFaults
  /** Clears every fault, per-operation ones and scripts included. */
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
  // Faults answer as the provider does everything else: a status code with no body (the kit's default).
  const kit = createSimKit({
    random,
    controlRoutes: options.controlRoutes,
    health: () => ({ places: state.placeCount() }),
  })
  const simulator: EventProviderSimulator = {
    state,
    kit,
    getFaults: () => kit.faults.get(),
    setFaults(patch) {
      const problem = kit.faults.set(patch)
      if (problem) throw new TypeError(problem)
      return kit.faults.get()
    },
    resetFaults: () => kit.resetFaults(),
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

  app.setNotFoundHandler((_request, reply) => reply.code(404).send())

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (request.url.startsWith('/__sim/')) {
      return reply.code(status).send({ error: { code: error.code ?? 'ERROR', message: error.message } })
    }
    // The real provider answers a body it cannot read with 422 and everything unexpected with a bare 500.
    return reply.code(status >= 400 && status < 500 ? 422 : 500).send()
  })

  // Before the routes: the kit puts its fault hook and request log on every route registered after it.
  kit.install(app)
  app.register(providerRoutes, { state })

  return app as typeof app & { simulator: EventProviderSimulator }
}

export type EventProviderApp = ReturnType<typeof buildEventProviderApp>
