import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, Id } from '@kokdala/core'
import { Type } from 'typebox'
import type { AnalyticsService } from './service.ts'

const Int32 = Type.Integer({ format: 'int32' })

export const AnalyticsResponse = Type.Object({
  event_id: Type.Integer({ format: 'int64' }),
  total_seats: Int32,
  sold_seats: Int32,
  reserved_seats: Int32,
  free_seats: Int32,
  total_revenue: Type.String({ format: 'decimal' }),
  bookings_count: Int32,
})

/** `GET /api/analytics?id=` — public, like the seat map it summarises. */
export const analyticsRoutes: FastifyPluginAsyncTypebox<{ analytics: AnalyticsService }> = async (
  app,
  { analytics },
) => {
  app.get(
    '/api/analytics',
    {
      schema: {
        operationId: 'GetEventAnalytics',
        tags: ['Analytics'],
        summary: 'Получить аналитику продаж для события',
        querystring: Type.Object({ id: Id() }),
        response: { 200: AnalyticsResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => analytics.forEvent(request.query.id),
  )
}
