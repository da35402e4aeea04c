import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdempotencyKeyHeaders, type IdempotencyStore, idempotencyPlugin, type Queryable } from '@kokdala/core'
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify'
import { seedErrorResponses } from '../../envelope.ts'
import type { MethodService } from '../methods/service.ts'
import { tengeNumber } from './amounts.ts'
import {
  CancelResponse,
  InitBody,
  InitResponse,
  KaspiBody,
  KaspiResponse,
  PaymentResponse,
  RefundBody,
  RefundResponse,
  StatusResponse,
  TransactionParams,
} from './schemas.ts'
import type { PaymentService } from './service.ts'
import type { PaymentSnapshot } from './snapshot.ts'
import { attemptView, initView, paymentView, statusView } from './views.ts'

export interface PaymentRoutesOptions {
  payments: PaymentService
  methods: MethodService
  idempotency: IdempotencyStore
  /** The X-API-Token hook: lets a source's token through and returns its source id on the request. */
  requireSource: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  sourceOf: (request: FastifyRequest) => number
  /** Requests per client address per minute on each public endpoint; 0: no limit. */
  publicPerMinute: number
}

/** Bodies are small: a payment with its metadata fits in 64 KiB; anything larger is refused before parsing. */
const BODY_LIMIT = 64 * 1024

/** `/api/payment*` — the seed's paths: init, cancel and refund with X-API-Token, the rest public as in the seed. */
export const paymentRoutes: FastifyPluginAsyncTypebox<PaymentRoutesOptions> = async (app, options) => {
  const { payments, methods, requireSource, sourceOf, publicPerMinute } = options
  // A source's keys are its own; the public /kaspi shares one space, where the path (the payment) tells keys apart.
  await app.register(idempotencyPlugin, {
    store: options.idempotency,
    scope: (request) => (request.apiToken ? `source:${sourceOf(request)}` : 'public'),
  })
  const security = [{ apiToken: [] }]
  const perIp: FastifyContextConfig = publicPerMinute
    ? { rateLimit: { max: publicPerMinute, timeWindow: 60_000, keyGenerator: (r: FastifyRequest) => r.ip } }
    : {}
  const methodCode = async (methodId: number | undefined) =>
    methodId === undefined ? null : ((await methods.active()).find((m) => m.id === methodId)?.code ?? null)

  app.post(
    '/api/payment/init',
    {
      onRequest: requireSource,
      bodyLimit: BODY_LIMIT,
      config: { idempotency: true },
      schema: {
        operationId: 'InitPayment',
        tags: ['Payments'],
        summary: 'Создать платеж',
        security,
        headers: IdempotencyKeyHeaders,
        body: InitBody,
        response: { 201: InitResponse, ...seedErrorResponses(400, 401, 403, 409, 413, 422, 429) },
      },
    },
    async (request, reply) => {
      const key = request.idempotency
      // The stored answer of a keyed request commits with the payment: a retry never makes a second one.
      const completeKey =
        key &&
        (async (tx: Queryable, snapshot: PaymentSnapshot) => {
          await key.complete(tx, 201, { success: true, message: 'Платеж создан', data: initView(snapshot) })
        })
      const created = await payments.init(sourceOf(request), request.body, completeKey ?? undefined)
      return reply.status(201).send({ success: true as const, message: 'Платеж создан', data: initView(created) })
    },
  )

  app.get(
    '/api/payment/:id',
    {
      config: perIp,
      schema: {
        operationId: 'GetPayment',
        tags: ['Payments'],
        summary: 'Информация о платеже (публичный)',
        params: TransactionParams,
        response: { 200: PaymentResponse, ...seedErrorResponses(400, 404, 429) },
      },
    },
    async (request) => {
      const snapshot = await payments.get(request.params.id)
      return { success: true as const, data: paymentView(snapshot, await methodCode(snapshot.lastAttempt?.methodId)) }
    },
  )

  app.get(
    '/api/payment/:id/status',
    {
      config: perIp,
      schema: {
        operationId: 'GetPaymentStatus',
        tags: ['Payments'],
        summary: 'Статус платежа (публичный; спрашивает терминал, пока платеж в processing)',
        params: TransactionParams,
        response: { 200: StatusResponse, ...seedErrorResponses(400, 404, 429) },
      },
    },
    async (request) => ({ success: true as const, data: statusView(await payments.check(request.params.id)) }),
  )

  app.post(
    '/api/payment/:id/kaspi',
    {
      bodyLimit: BODY_LIMIT,
      config: { idempotency: true, ...perIp },
      schema: {
        operationId: 'StartKaspiPayment',
        tags: ['Payments'],
        summary: 'Инициировать оплату через Kaspi терминал (публичный)',
        headers: IdempotencyKeyHeaders,
        params: TransactionParams,
        body: KaspiBody,
        response: { 200: KaspiResponse, ...seedErrorResponses(400, 404, 409, 413, 422, 429) },
      },
    },
    async (request) => {
      const started = await payments.startAttempt(request.params.id, request.body.payment_method)
      return { success: true as const, message: 'Платеж инициирован', data: attemptView(started) }
    },
  )

  app.post(
    '/api/payment/:id/cancel',
    {
      onRequest: requireSource,
      bodyLimit: BODY_LIMIT,
      config: { idempotency: true },
      schema: {
        operationId: 'CancelPayment',
        tags: ['Payments'],
        summary: 'Отменить платеж',
        security,
        headers: IdempotencyKeyHeaders,
        params: TransactionParams,
        response: { 200: CancelResponse, ...seedErrorResponses(400, 401, 403, 404, 409, 413, 422, 429) },
      },
    },
    async (request) => {
      const { payment } = await payments.cancel(sourceOf(request), request.params.id)
      return {
        success: true as const,
        message: 'Платеж отменен',
        data: { transaction_id: payment.transactionId, status: payment.status },
      }
    },
  )

  app.post(
    '/api/payment/:id/refund',
    {
      onRequest: requireSource,
      // The seed's clients post without a body; no body is a full refund, as `{}` is.
      preValidation: async (request) => {
        request.body ??= {}
      },
      bodyLimit: BODY_LIMIT,
      config: { idempotency: true },
      schema: {
        operationId: 'RefundPayment',
        tags: ['Payments'],
        summary: 'Вернуть средства (полностью или частично)',
        security,
        headers: IdempotencyKeyHeaders,
        params: TransactionParams,
        body: RefundBody,
        response: { 200: RefundResponse, ...seedErrorResponses(400, 401, 403, 404, 409, 413, 422, 429) },
      },
    },
    async (request) => {
      const { payment, figures } = await payments.refund(sourceOf(request), request.params.id, request.body?.amount)
      return {
        success: true as const,
        message: 'Возврат выполнен',
        data: {
          transaction_id: payment.transactionId,
          status: payment.status,
          paid_amount: tengeNumber(figures.paidAmount),
          refunded_amount: tengeNumber(figures.refundedAmount),
        },
      }
    },
  )
}
