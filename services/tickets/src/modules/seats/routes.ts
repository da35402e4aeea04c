import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import { Type } from 'typebox'
import { perUserRateLimit, requireUser } from '../users/plugin.ts'
import type { UserService } from '../users/service.ts'
import { ListSeatsQuery, ReleaseSeatBody, SeatChanged, SeatItem, SelectSeatBody } from './schemas.ts'
import type { SeatService } from './service.ts'

/**
 * `GET /api/seats` (public) and `PATCH /api/seats/select|release` (Basic Auth); selects are limited per user
 * (`selectsPerMinute`, 0 for no limit).
 */
export const seatRoutes: FastifyPluginAsyncTypebox<{
  seats: SeatService
  users: UserService
  selectsPerMinute?: number
}> = async (app, { seats, users, selectsPerMinute = 0 }) => {
  app.get(
    '/api/seats',
    {
      schema: {
        operationId: 'ListSeats',
        tags: ['Seats'],
        summary: 'Получить список мест',
        description:
          'Seats of an event in row/number order. With status=FREE and no page, a random window of free seats is ' +
          'returned so that concurrent buyers rarely pick the same seat.',
        querystring: ListSeatsQuery,
        response: { 200: Type.Array(SeatItem), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { event_id, page, pageSize = 20, row, status } = request.query
      return seats.list({ eventId: event_id, page, pageSize, row, status })
    },
  )

  const authenticated = { onRequest: requireUser(users), schema: { security: [{ basicAuth: [] }] } }

  app.patch(
    '/api/seats/select',
    {
      ...authenticated,
      config: perUserRateLimit(selectsPerMinute),
      schema: {
        ...authenticated.schema,
        operationId: 'SelectSeat',
        tags: ['Seats'],
        summary: 'Выбрать место для брони',
        body: SelectSeatBody,
        response: { 200: SeatChanged, ...errorResponses(400, 401, 403, 404, 419, 429) },
      },
    },
    async (request) => {
      await seats.select(request.userId, request.body.booking_id, request.body.seat_id)
      return { seat_id: request.body.seat_id, status: 'RESERVED' as const }
    },
  )

  app.patch(
    '/api/seats/release',
    {
      ...authenticated,
      schema: {
        ...authenticated.schema,
        operationId: 'ReleaseSeat',
        tags: ['Seats'],
        summary: 'Убрать место из брони',
        body: ReleaseSeatBody,
        response: { 200: SeatChanged, ...errorResponses(400, 401, 403, 404, 419, 429) },
      },
    },
    async (request) => {
      await seats.release(request.userId, request.body.seat_id)
      return { seat_id: request.body.seat_id, status: 'FREE' as const }
    },
  )
}
