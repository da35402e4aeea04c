import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError, errorResponses, keepRawJsonBody } from '@kokdala/core'
import { verifyWebhookSignature } from '@kokdala/toleubar'
import { NotificationAck, NotificationBody, OrderQuery, PaymentOutcomeSchema } from './schemas.ts'
import type { PaymentService } from './service.ts'

export interface PaymentRoutesOptions {
  payments: PaymentService
  /** When set, webhooks must carry `X-Webhook-Signature: sha256=<HMAC of the raw body>` with this secret. */
  webhookSecret?: string
}

/** Payment callbacks: public by contract, idempotent, and checked against the gateway before acting. */
export const paymentRoutes: FastifyPluginAsyncTypebox<PaymentRoutesOptions> = async (
  app,
  { payments, webhookSecret },
) => {
  // The signature covers the bytes as sent; re-serialised JSON would not match.
  keepRawJsonBody(app)

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
        response: { 200: NotificationAck, ...errorResponses(400, 401, 503) },
      },
      preValidation: async (request) => {
        if (!webhookSecret) return
        const signature = request.headers['x-webhook-signature']
        if (!verifyWebhookSignature(webhookSecret, request.rawBody ?? Buffer.alloc(0), signature)) {
          throw new AppError('INVALID_SIGNATURE')
        }
      },
    },
    async (request) => {
      const outcome = await payments.onNotification(request.body.paymentId)
      return { received: true, booking_status: outcome?.booking_status }
    },
  )
}
