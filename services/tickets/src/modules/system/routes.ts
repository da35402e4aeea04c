import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { constantTimeEqual, errorResponses } from '@kokdala/core'
import { Type } from 'typebox'
import { TicketsError } from '../../errors.ts'
import type { ResetService } from './service.ts'

export interface SystemRoutesOptions {
  reset: ResetService
  /** Off: every reset is refused with 403 RESET_DISABLED. */
  enabled: boolean
  /** When set, a reset must carry `Authorization: Bearer <token>`. */
  token?: string
}

/**
 * `POST /api/reset` — public by contract (the HackLoad checker calls it without credentials), so it exists only where
 * the deployment switches it on, optionally behind a token.
 */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, { reset, enabled, token }) => {
  app.post(
    '/api/reset',
    {
      schema: {
        operationId: 'ResetDatabase',
        tags: ['System'],
        summary: 'Сбросить базу данных',
        description:
          'Empties bookings and payments; every seat not sold at the Event Provider is FREE again. Payments whose ' +
          'money moved are archived first. Off unless RESET_ENABLED; behind a Bearer token when RESET_TOKEN is set.',
        response: {
          200: Type.Object({ reset: Type.Boolean(), archived_payments: Type.Integer() }),
          ...errorResponses(401, 403, 503),
        },
      },
      onRequest: async (request) => {
        if (!enabled) throw new TicketsError('RESET_DISABLED')
        if (token && !constantTimeEqual(request.headers.authorization ?? '', `Bearer ${token}`)) {
          throw new TicketsError('UNAUTHORIZED', 'Reset needs the reset token (Authorization: Bearer …)')
        }
      },
    },
    async (request) => {
      const { archivedPayments } = await reset.reset()
      if (archivedPayments > 0) request.log.warn({ archivedPayments }, 'reset archived payments whose money moved')
      return { reset: true, archived_payments: archivedPayments }
    },
  )
}
