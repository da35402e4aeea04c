import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { GatewayContext } from '../context.ts'

const FaultsBody = Type.Object(
  {
    outage: Type.Optional(Type.Boolean()),
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    cancelBroken: Type.Optional(Type.Boolean()),
    duplicateWebhooks: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
)
const FaultsResponse = Type.Object({
  outage: Type.Boolean(),
  latencyMs: Type.Integer(),
  errorRate: Type.Number(),
  cancelBroken: Type.Boolean(),
  duplicateWebhooks: Type.Integer(),
})

/** Simulator-only endpoints for tests and demos; not part of the real gateway. */
export const simRoutes: FastifyPluginAsyncTypebox<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.get('/__sim/health', { schema: { response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({
    status: 'ok',
  }))

  app.get('/__sim/faults', { schema: { response: { 200: FaultsResponse } } }, async () => ctx.faults)

  // Fields left out keep their current value, so `{ "outage": false }` ends an outage without touching latency.
  app.post('/__sim/faults', { schema: { body: FaultsBody, response: { 200: FaultsResponse } } }, async (request) => {
    Object.assign(ctx.faults, request.body)
    return ctx.faults
  })

  app.get('/__sim/webhooks', async () => ({ attempts: ctx.webhooks.attempts() }))
}
