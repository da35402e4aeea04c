import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import { ListEventsQuery, ListEventsResponse } from './schemas.ts'
import type { EventService } from './service.ts'

/** `GET /api/events` — public: list active events or search active and archive events. */
export const eventRoutes: FastifyPluginAsyncTypebox<{ events: EventService }> = async (app, { events }) => {
  app.get(
    '/api/events',
    {
      schema: {
        operationId: 'ListEvents',
        tags: ['Events'],
        summary: 'Получить список событий',
        querystring: ListEventsQuery,
        response: { 200: ListEventsResponse, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const { query, date, page = 1, pageSize = 20 } = request.query
      // Already serialised (and cached) by the service; the schema above documents its shape.
      const body = await events.listJson({ query, date, page, pageSize })
      return reply.type('application/json; charset=utf-8').send(body as never)
    },
  )
}
