import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify'
import type { SimKit } from './sim-kit.ts'

/** Where every simulator's own control surface lives; the real systems have nothing there. */
export const SIM_PREFIX = '/__sim'

export interface SimRoutesOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the routes work with any simulator's extra switches
  kit: SimKit<any>
  controlRoutes: boolean
  health?: () => Record<string, unknown>
  /** The simulator's own control routes (e.g. its webhook log), guarded like the kit's. */
  extraRoutes?: FastifyPluginAsync
}

function problem(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } })
}

/**
 * The `/__sim` routes: health always; the fault switch, per-operation faults and scripts, and the request log only
 * when `controlRoutes` is on. Errors are `{ error: { code, message } }`, whatever envelope the simulated system
 * uses, because they are the simulator's own answers.
 */
export const simRoutes: FastifyPluginAsync<SimRoutesOptions> = async (
  app,
  { kit, controlRoutes, health, extraRoutes },
) => {
  // A body Fastify itself refuses (bad JSON, a forbidden `__proto__`, too large) gets the same envelope as the
  // routes' own refusals; anything else goes on to the simulator's handler.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500
    if (status < 400 || status >= 500) throw error
    return problem(reply, status, error.code ?? 'BAD_REQUEST', error.message)
  })

  app.get(`${SIM_PREFIX}/health`, async () => ({ status: 'ok', ...health?.() }))
  if (!controlRoutes) return

  app.get(`${SIM_PREFIX}/faults`, async () => kit.faults.get())

  // Fields left out keep their value, so `{ "outage": false }` ends an outage without touching the latency.
  app.post(`${SIM_PREFIX}/faults`, async (request, reply) => {
    const reason = kit.faults.set(request.body)
    if (reason) return problem(reply, 400, 'INVALID_FAULTS', reason)
    return kit.faults.get()
  })

  app.delete(`${SIM_PREFIX}/faults`, async () => {
    kit.resetFaults()
    return kit.faults.get()
  })

  app.get(`${SIM_PREFIX}/operations`, async () => {
    const states = new Map(kit.operations.list().map((state) => [state.operation, state]))
    return {
      operations: kit
        .knownOperations()
        .map((operation) => states.get(operation) ?? { operation, fault: null, scripted: [] }),
    }
  })

  /** Looks the operation up; a typo must not silently fault nothing. */
  function known(operation: string, reply: FastifyReply): boolean {
    if (kit.knownOperations().includes(operation)) return true
    problem(reply, 404, 'UNKNOWN_OPERATION', `no operation ${operation}; known: ${kit.knownOperations().join(', ')}`)
    return false
  }

  app.put<{ Params: { operation: string } }>(`${SIM_PREFIX}/operations/:operation`, async (request, reply) => {
    const { operation } = request.params
    if (!known(operation, reply)) return reply
    const reason = kit.operations.set(operation, request.body)
    if (reason) return problem(reply, 400, 'INVALID_FAULT', reason)
    return kit.operations.list().find((state) => state.operation === operation)
  })

  app.delete<{ Params: { operation: string } }>(`${SIM_PREFIX}/operations/:operation`, async (request, reply) => {
    const { operation } = request.params
    if (!known(operation, reply)) return reply
    kit.operations.clear(operation)
    return { operation, fault: null, scripted: [] }
  })

  app.post<{ Params: { operation: string }; Body: { outcomes?: unknown } }>(
    `${SIM_PREFIX}/operations/:operation/script`,
    async (request, reply) => {
      const { operation } = request.params
      if (!known(operation, reply)) return reply
      const reason = kit.operations.script(operation, request.body?.outcomes)
      if (reason) return problem(reply, 400, 'INVALID_SCRIPT', reason)
      return kit.operations.list().find((state) => state.operation === operation)
    },
  )

  app.get<{ Querystring: { operation?: string; limit?: string } }>(`${SIM_PREFIX}/requests`, async (request, reply) => {
    const { operation, limit } = request.query
    if (limit !== undefined && !/^\d{1,6}$/.test(limit)) {
      return problem(reply, 400, 'INVALID_LIMIT', 'limit must be a whole number')
    }
    return { requests: kit.requests.list({ operation, limit: limit === undefined ? undefined : Number(limit) }) }
  })

  app.delete(`${SIM_PREFIX}/requests`, async (_request, reply) => {
    kit.requests.clear()
    return reply.code(204).send()
  })

  if (extraRoutes) await app.register(extraRoutes)
}
