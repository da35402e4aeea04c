import type { FastifyPluginAsync } from 'fastify'
import type { GatewayContext } from '../context.ts'

/** The gateway's own `/__sim` route beside the kit's: every webhook delivery attempt it made. */
export function webhookLogRoutes(ctx: GatewayContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/__sim/webhooks', async () => ({ attempts: ctx.webhooks.attempts() }))
  }
}
