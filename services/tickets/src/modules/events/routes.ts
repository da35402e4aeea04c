import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
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
        response: { 200: ListEventsResponse },
      },
    },
    async (request) => {
      const { query, date, page = 1, pageSize = 20 } = request.query
      return events.list({ query, date, page, pageSize })
    },
  )
}
