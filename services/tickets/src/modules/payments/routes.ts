import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, keepRawJsonBody } from '@kokdala/core'
import { verifyWebhookSignature } from '@kokdala/toleubar'
import { NotificationAck, NotificationBody, OrderQuery, PaymentOutcomeSchema } from './schemas.ts'
import type { PaymentService } from './service.ts'

export interface PaymentRoutesOptions {
  payments: PaymentService
  /** When set, webhooks carrying `X-Webhook-Signature: sha256=<HMAC of the raw body>` with it are the gateway's. */
  webhookSecret?: string
}

/** The only body field a notification is acted on by; problems elsewhere in the body do not matter. */
const USED_FIELDS = ['', '/paymentId']

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
        response: { 200: NotificationAck, ...errorResponses(400, 503) },
      },
      // Only `paymentId` is used (the gateway is asked for the rest), so only it is validated: a correctly signed
      // webhook whose unused `timestamp` has no time zone is still the gateway's word that something changed.
      attachValidation: true,
    },
    async (request) => {
      const problems = (request.validationError?.validation as Array<{ instancePath: string }> | undefined)?.filter(
        (problem) => USED_FIELDS.includes(problem.instancePath),
      )
      if (problems?.length) throw request.validationError
      const paymentId = typeof request.body?.paymentId === 'string' ? request.body.paymentId : undefined
      const signed =
        webhookSecret !== undefined &&
        verifyWebhookSignature(
          webhookSecret,
          request.rawBody ?? Buffer.alloc(0),
          request.headers['x-webhook-signature'],
        )
      if (webhookSecret !== undefined && !signed) {
        // Not the gateway's, or not provably: never trusted anyway (the gateway is asked), so it is a hint to check
        // again, answered 200 at once without the booking's state. Monitors post such bodies to see we are up.
        // Logged, at debug only when dropped over the hint budget: a flood of those shows in the metrics instead.
        payments.onNotification(paymentId, 'unsigned').then(
          ({ handled }) => {
            const level = handled === 'checked' ? 'warn' : handled === 'unknown' ? 'info' : 'debug'
            request.log[level]({ paymentId, handled }, 'payment notification without a valid signature: a hint')
          },
          (error) => request.log.warn({ paymentId, err: error }, 're-check of an unsigned notification failed'),
        )
        return { received: true }
      }
      // Without a secret nothing is signed: checked inline (a 503 makes the gateway deliver again), within the
      // budget of unsigned hints.
      const outcome = await payments.onNotification(paymentId, signed ? 'signed' : 'unsigned')
      return { received: true, booking_status: outcome?.booking_status }
    },
  )
}
