import type { FastifyPluginAsync } from 'fastify'
import type { FaultSwitch, FaultsPatch } from './faults.ts'
import { FaultsSchema } from './schemas.ts'
import type { ProviderState } from './state.ts'

/** Simulator-only endpoints for tests and demos; the real provider has none of them. */
export const simRoutes: FastifyPluginAsync<{ faults: FaultSwitch; state: ProviderState }> = async (
  app,
  { faults, state },
) => {
  app.get('/__sim/health', async () => ({ status: 'ok', places: state.placeCount() }))

  app.get('/__sim/faults', { schema: { response: { 200: FaultsSchema } } }, async () => faults.get())

  // Fields left out keep their value, so `{ "outage": false }` ends an outage without touching the latency. The
  // switch checks the body itself (no body schema): Fastify's validator would silently drop a misspelt field.
  app.post<{ Body: FaultsPatch }>(
    '/__sim/faults',
    { schema: { response: { 200: FaultsSchema } } },
    async (request, reply) => {
      const problem = faults.set(request.body)
      if (problem) return reply.code(400).send({ error: { code: 'INVALID_FAULTS', message: problem } })
      return faults.get()
    },
  )

  app.delete('/__sim/faults', { schema: { response: { 200: FaultsSchema } } }, async () => {
    faults.reset()
    return faults.get()
  })
}
