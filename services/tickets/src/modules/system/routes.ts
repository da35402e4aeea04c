import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import { Type } from 'typebox'
import type { ResetService } from './service.ts'

/** `POST /api/reset` — public by contract (the HackLoad checker calls it without credentials). */
export const systemRoutes: FastifyPluginAsyncTypebox<{ reset: ResetService }> = async (app, { reset }) => {
  app.post(
    '/api/reset',
    {
      schema: {
        operationId: 'ResetDatabase',
        tags: ['System'],
        summary: 'Сбросить базу данных',
        response: { 200: Type.Object({ reset: Type.Boolean() }), ...errorResponses(503) },
      },
    },
    async () => {
      await reset.reset()
      return { reset: true }
    },
  )
}
