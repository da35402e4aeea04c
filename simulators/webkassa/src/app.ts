import { createSimKit, SIM_PREFIX } from '@kokdala/sim-kit'
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import { createSimClock, type SimClock } from './clock.ts'
import {
  type CommittingOperation,
  WebkassaFaultSwitches,
  type WebkassaFaults,
  type WebkassaSimContext,
} from './context.ts'
import { ControlError, WebkassaSimError } from './errors.ts'
import { apiRoutes, errorEnvelope } from './routes/api.ts'
import { controlRoutes } from './routes/sim.ts'
import { createWebkassaSim } from './simulator.ts'

export interface WebkassaSimAccount {
  login: string
  password: string
  /** Unique numbers of the cashboxes this user may use; default every cashbox. */
  cashboxes?: string[]
}

export interface WebkassaSimulatorOptions {
  /** Integrator keys accepted in `x-api-key`. */
  apiKeys: string[]
  accounts: WebkassaSimAccount[]
  /** Cashbox unique numbers (ZNK) at start. */
  cashboxes: string[]
  /** Start values of the simulator's switches (token TTL, duplicate mode, cashbox latency …). */
  initialFaults?: Partial<WebkassaFaults>
  /** Whether `/__sim` can drive the simulator over HTTP (default true; off in production profiles). */
  controlRoutes?: boolean
  logger?: boolean
  /** Source of commit-then-drop draws (and the kit's error rate); inject one in tests. */
  random?: () => number
  clock?: SimClock
}

/** Largest request body: a receipt of 1000 positions is far below it. */
const BODY_LIMIT = 1024 * 1024

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, message: string, code: string) {
  if (request.url.startsWith(SIM_PREFIX)) return reply.code(status).send({ error: { code, message } })
  // Webkassa's shape for what it cannot read: the HTTP status says it, the body says it as code 9.
  return reply
    .code(status)
    .send(errorEnvelope(9, `${status === 404 ? 'Метод не найден' : 'Некорректный запрос'}: ${message}`))
}

/**
 * Builds the Webkassa simulator: the v4 API (see `routes/api.ts`), the sim-kit `/__sim` routes and the simulator's
 * own controls (accounts, cashboxes, OFD link, clock, commit-then-drop, inspection). All state is in memory.
 */
export async function buildWebkassaSimulatorApp(options: WebkassaSimulatorOptions) {
  const random = options.random ?? Math.random
  const clock = options.clock ?? createSimClock()
  const kit = createSimKit({
    extraFaults: WebkassaFaultSwitches,
    initialFaults: options.initialFaults,
    controlRoutes: options.controlRoutes,
    random,
    // A 5xx comes from the web server in front of Webkassa: an HTML page, not Webkassa's envelope.
    errorReply: (reply, status) =>
      reply
        .code(status)
        .header('content-type', 'text/html; charset=utf-8')
        .send(`<html><body><h1>${status}</h1></body></html>`),
    health: () => ({ cashboxes: sim.cashboxes.list().length, receipts: sim.ledger.list().length }),
  })
  const sim = createWebkassaSim({
    clock,
    policy: () => kit.faults.current,
  })

  function seed() {
    for (const number of options.cashboxes) sim.cashboxes.add({ uniqueNumber: number })
    for (const account of options.accounts) {
      sim.accounts.add({
        login: account.login,
        password: account.password,
        cashboxes: account.cashboxes ?? options.cashboxes,
      })
    }
  }
  seed()

  const ctx: WebkassaSimContext = {
    sim,
    kit,
    apiKeys: new Set(options.apiKeys),
    pendingDrops: new Map<CommittingOperation, number>(),
    random,
    reset() {
      sim.accounts.reset()
      sim.cashboxes.reset()
      sim.ledger.reset()
      clock.reset()
      ctx.pendingDrops.clear()
      kit.resetFaults()
      seed()
    },
  }

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Webkassa runs on ASP.NET: paths match whatever their case (`/api/v4/check`, `/api/v4/Check`).
    routerOptions: { caseSensitive: false },
    frameworkErrors: (error, request, reply) =>
      refuse(request, reply, error.statusCode ?? 400, error.message.slice(0, 200), error.code ?? 'BAD_REQUEST'),
  })
  app.decorate('webkassa', ctx)

  app.setErrorHandler((error: FastifyError | WebkassaSimError | ControlError, request, reply) => {
    if (error instanceof WebkassaSimError)
      return reply.code(200).send(errorEnvelope(error.code, error.message, error.data))
    if (error instanceof ControlError) return refuse(request, reply, error.httpStatus, error.message, error.code)
    const status = (error as FastifyError).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      return refuse(request, reply, status, error.message.slice(0, 200), (error as FastifyError).code ?? 'BAD_REQUEST')
    }
    request.log.error({ err: error }, 'request failed')
    return refuse(request, reply, 500, 'Internal error', 'INTERNAL')
  })
  app.setNotFoundHandler((request, reply) =>
    refuse(request, reply, 404, `${request.method} ${request.url.slice(0, 100)}`, 'NOT_FOUND'),
  )

  // Before the routes: the kit puts its fault hook and request log on every route registered after it.
  kit.install(app, { controlRoutes: controlRoutes(ctx) })
  await app.register(apiRoutes(ctx))
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The simulator's state and switches — for tests and the `/__sim` routes. */
    webkassa: WebkassaSimContext
  }
}

export type WebkassaSimulatorApp = Awaited<ReturnType<typeof buildWebkassaSimulatorApp>>
