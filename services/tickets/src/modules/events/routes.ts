import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import type { FastifyRequest } from 'fastify'
import { ListEventsQuery, ListEventsResponse } from './schemas.ts'
import type { EventService, ListEventsInput } from './service.ts'

export interface EventRoutesOptions {
  events: EventService
  /** Searches that miss the cache, per client address per minute; 0: no limit. */
  searchesPerMinute: number
}

const JSON_UTF8 = 'application/json; charset=utf-8'

/** `GET /api/events` — public: list active events or search active and archive events. */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (
  app,
  { events, searchesPerMinute },
) => {
  const input = (request: FastifyRequest): ListEventsInput => {
    const { query, date, page = 1, pageSize = 20 } = request.query as Partial<ListEventsInput>
    return { query, date, page, pageSize }
  }
  app.get(
    '/api/events',
    {
      schema: {
        operationId: 'ListEvents',
        tags: ['Events'],
        summary: 'Получить список событий',
        querystring: ListEventsQuery,
        response: { 200: ListEventsResponse, ...errorResponses(400, 429, 503) },
      },
      // Only what costs the database counts: listing active events and answers already cached are free.
      config: searchesPerMinute
        ? {
            rateLimit: {
              max: searchesPerMinute,
              timeWindow: 60_000,
              hook: 'preHandler',
              keyGenerator: (request: FastifyRequest) => request.ip,
              allowList: (request: FastifyRequest) => !events.costsASearch(input(request)),
            },
          }
        : {},
    },
    (request, reply) => {
      // Already serialised (and cached) by the service; the schema above documents its shape. A cached page is
      // sent at once: most requests are hits, and the promises of the general path cost them measurably.
      const listing = input(request)
      const cached = events.cachedJson(listing)
      if (cached) {
        reply.type(JSON_UTF8).send(cached as never)
        return
      }
      return events.listJson(listing).then((body) => {
        reply.type(JSON_UTF8).send(body as never)
      })
    },
  )
}
