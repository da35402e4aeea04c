import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdempotencyKeyHeaders, type IdempotencyStore, idempotencyPlugin } from '@kokdala/core'
import { Type } from 'typebox'
import { perUserRateLimit, requireUser } from '../users/plugin.ts'
import type { UserService } from '../users/service.ts'
import { BookingChanged, BookingIdBody, BookingItem, CreateBookingBody, CreateBookingResponse } from './schemas.ts'
import type { BookingService } from './service.ts'

/** `/api/bookings*` — all behind Basic Auth; creations are limited per user (`createsPerMinute`, 0 for no limit). */
export const bookingRoutes: FastifyPluginAsyncTypebox<{
  bookings: BookingService
  users: UserService
  idempotency: IdempotencyStore
  createsPerMinute?: number
}> = async (app, { bookings, users, idempotency, createsPerMinute = 0 }) => {
  app.addHook('onRequest', requireUser(users))
  // Idempotency-Key is the user's: one buyer's key never answers for another.
  await app.register(idempotencyPlugin, { store: idempotency, scope: (request) => `user:${request.userId}` })
  const security = [{ basicAuth: [] }]

  app.post(
    '/api/bookings',
    {
      config: { idempotency: true, ...perUserRateLimit(createsPerMinute) },
      schema: {
        operationId: 'CreateBooking',
        tags: ['Bookings'],
        summary: 'Создать бронирование',
        security,
        headers: IdempotencyKeyHeaders,
        body: CreateBookingBody,
        response: { 201: CreateBookingResponse, ...errorResponses(400, 401, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = await bookings.create(request.userId, request.body.event_id, {
        // The answer to a keyed request commits with the booking: a retry can never make a second one.
        inTransaction: async (tx, bookingId) => {
          await request.idempotency?.complete(tx, 201, { id: bookingId })
        },
      })
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
        response: { 200: Type.Array(BookingItem), ...errorResponses(401, 429) },
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
        response: { 200: BookingChanged, ...errorResponses(400, 401, 403, 404, 419, 429) },
      },
    },
    async (request) => {
      await bookings.cancel(request.userId, request.body.booking_id)
      return { id: request.body.booking_id, status: 'CANCELLED' as const }
    },
  )
}
