import { STATUS_CODES } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createSimKit, SIM_PREFIX } from '@kokdala/sim-kit'
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import { KaspiFaultSwitches, type KaspiSimContext } from './context.ts'
import { ControlError, TerminalError, terminalErrorBody } from './errors.ts'
import { cameraRoutes } from './routes/camera.ts'
import { controlRoutes } from './routes/sim.ts'
import { terminalRoutes } from './routes/terminal.ts'
import { createTerminalStore, type TerminalStoreOptions } from './terminals.ts'

export interface KaspiSimulatorOptions extends TerminalStoreOptions {
  /** Terminals there at start; more can be added with `POST /__sim/terminals`. */
  terminals?: { id: string; accessToken?: string }[]
  /** Whether `/__sim` can drive the simulator over HTTP (default true; off in production profiles). */
  controlRoutes?: boolean
  logger?: boolean
}

/** Which of the three surfaces a URL belongs to, so every refusal comes in that surface's own shape. */
function surfaceOf(url: string): 'sim' | 'camera' | 'terminal' {
  if (url.startsWith(SIM_PREFIX)) return 'sim'
  if (url.startsWith('/camera/')) return 'camera'
  return 'terminal'
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, message: string, code: string) {
  switch (surfaceOf(request.url)) {
    case 'sim':
      return reply.code(status).send({ error: { code, message } })
    case 'camera':
      return reply.code(status).send({ success: false, error: message })
    default: {
      const kind = status === 404 ? 'NO_TERMINAL' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'
      return reply.code(status).send(terminalErrorBody(new TerminalError(kind, message.slice(0, 200), status)))
    }
  }
}

/**
 * Builds the Kaspi terminals simulator: every terminal's local API under `/terminals/<id>/v2/…`, the camera service
 * under `/camera/…`, the sim-kit `/__sim` routes and the terminals' controls under `/__sim/terminals`. All state is
 * in memory.
 */
export async function buildKaspiSimulatorApp(options: KaspiSimulatorOptions = {}) {
  const kit = createSimKit({
    extraFaults: KaspiFaultSwitches,
    controlRoutes: options.controlRoutes,
    // An injected status comes in the terminal's envelope, the way its own errors do.
    errorReply: (reply, status) =>
      reply.code(status).send({ statusCode: status, errorText: STATUS_CODES[status] ?? 'Error' }),
    health: () => ({ terminals: store.list().length }),
  })
  const store = createTerminalStore(options)
  for (const terminal of options.terminals ?? []) store.add(terminal.id, terminal.accessToken)
  const ctx: KaspiSimContext = { store, kit, closing: false }

  const app = Fastify({
    logger: options.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // The router's own refusals (a path segment over 100 characters, a URL that does not decode) in each surface's
    // shape, like every other refusal.
    frameworkErrors: (error, request, reply) =>
      refuse(request, reply, error.statusCode ?? 400, error.message.slice(0, 200), error.code ?? 'BAD_REQUEST'),
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorate('kaspi', ctx)

  app.setErrorHandler((error: FastifyError | TerminalError | ControlError, request, reply) => {
    if (error instanceof TerminalError) return reply.code(error.httpStatus).send(terminalErrorBody(error))
    if (error instanceof ControlError) return refuse(request, reply, error.httpStatus, error.message, error.code)
    const status = (error as FastifyError).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      return refuse(request, reply, status, error.message, (error as FastifyError).code ?? 'BAD_REQUEST')
    }
    request.log.error({ err: error }, 'request failed')
    return refuse(request, reply, 500, 'Internal error', 'INTERNAL')
  })
  app.setNotFoundHandler((request, reply) =>
    refuse(request, reply, 404, `no route ${request.method} ${request.url.slice(0, 100)}`, 'NOT_FOUND'),
  )

  // Before the routes: the kit puts its fault hook and request log on every route registered after it.
  kit.install(app, { controlRoutes: controlRoutes(ctx) })
  await app.register(terminalRoutes(ctx))
  await app.register(cameraRoutes(ctx))

  app.addHook('onClose', async () => {
    ctx.closing = true
    store.close()
  })
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The simulator's state (terminals, faults) — for tests and the `/__sim` routes. */
    kaspi: KaspiSimContext
  }
}

export type KaspiSimulatorApp = Awaited<ReturnType<typeof buildKaspiSimulatorApp>>
