import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import { Type } from 'typebox'
import { requireUser } from '../users/plugin.ts'
import type { UserService } from '../users/service.ts'
import {
  BookingChanged,
  BookingIdBody,
  BookingItem,
  CreateBookingBody,
  CreateBookingResponse,
  IdempotencyHeaders,
} from './schemas.ts'
import type { BookingService } from './service.ts'

/** `/api/bookings*` — all behind Basic Auth. */
export const bookingRoutes: FastifyPluginAsyncTypebox<{ bookings: BookingService; users: UserService }> = async (
  app,
  { bookings, users },
) => {
  app.addHook('onRequest', requireUser(users))
  const security = [{ basicAuth: [] }]

  app.post(
    '/api/bookings',
    {
      schema: {
        operationId: 'CreateBooking',
        tags: ['Bookings'],
        summary: 'Создать бронирование',
        security,
        headers: IdempotencyHeaders,
        body: CreateBookingBody,
        response: { 201: CreateBookingResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const id = await bookings.create(request.userId, request.body.event_id, request.headers['idempotency-key'])
      return reply.status(201).send({ id })
    },
  )

  app.get(
    '/api/bookings',
    {
      schema: {
        operationId: 'ListBookings',
        tags: ['Bookings'],
        summary: 'Получить список бронирований',
        security,
        response: { 200: Type.Array(BookingItem), ...errorResponses(401) },
      },
    },
    async (request) => bookings.list(request.userId),
  )

  app.patch(
    '/api/bookings/initiatePayment',
    {
      schema: {
        operationId: 'InitiatePayment',
        tags: ['Bookings'],
        summary: 'Инициировать платеж для бронирования',
        security,
        body: BookingIdBody,
        response: {
          302: Type.Null({ description: 'Бронь ожидает подтверждения платежа; Location is the payment page' }),
          ...errorResponses(400, 401, 403, 404, 409, 419, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const location = await bookings.initiatePayment(request.userId, request.body.booking_id)
      return reply.redirect(location, 302)
    },
  )

  app.patch(
    '/api/bookings/cancel',
    {
      schema: {
        operationId: 'CancelBooking',
        tags: ['Bookings'],
        summary: 'Отменить бронирование',
        security,
        body: BookingIdBody,
        response: { 200: BookingChanged, ...errorResponses(400, 401, 403, 404, 419) },
      },
    },
    async (request) => {
      await bookings.cancel(request.userId, request.body.booking_id)
      return { id: request.body.booking_id, status: 'CANCELLED' as const }
    },
  )
}
