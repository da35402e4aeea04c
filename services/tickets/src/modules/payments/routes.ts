import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import { NotificationAck, NotificationBody, OrderQuery, PaymentOutcomeSchema } from './schemas.ts'
import type { PaymentService } from './service.ts'

/** Payment callbacks: public by contract, idempotent, and checked against the gateway before acting. */
export const paymentRoutes: FastifyPluginAsyncTypebox<{ payments: PaymentService }> = async (app, { payments }) => {
  app.get(
    '/api/payments/success',
    {
      schema: {
        operationId: 'NotifyPaymentCompleted',
        tags: ['Payments'],
        summary: 'Уведомить сервис, что платеж успешно проведен',
        querystring: OrderQuery,
        response: { 200: PaymentOutcomeSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => payments.onReturn(request.query.orderId),
  )

  app.get(
    '/api/payments/fail',
    {
      schema: {
        operationId: 'NotifyPaymentFailed',
        tags: ['Payments'],
        summary: 'Уведомить сервис, что платеж неуспешно проведен',
        querystring: OrderQuery,
        response: { 200: PaymentOutcomeSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => payments.onReturn(request.query.orderId),
  )

  app.post(
    '/api/payments/notifications',
    {
      schema: {
        operationId: 'OnPaymentUpdates',
        tags: ['Payments'],
        summary: 'Принимать уведомления от платежного шлюза',
        body: NotificationBody,
        response: { 200: NotificationAck, ...errorResponses(400) },
      },
    },
    async (request) => {
      const outcome = await payments.onNotification(request.body.paymentId)
      return { received: true, booking_status: outcome?.booking_status }
    },
  )
}
