import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { WebhookAttempt, WebhookMessage } from '@kokdala/core'
import type { Static } from 'typebox'
import { requireAdminToken } from '../../admin.ts'
import { seedErrorResponses } from '../../envelope.ts'
import { queryDate } from '../../query-dates.ts'
import {
  DeliveriesQuery,
  DeliveriesResponse,
  type DeliveryJson,
  EndpointParams,
  MessageParams,
  RegisterEndpointBody,
  ResendRangeBody,
  ResendResponse,
  RotateBody,
  SecretsResponse,
  StatsQuery,
  StatsResponse,
} from './schemas.ts'
import type { WebhookAdmin } from './service.ts'

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null
const HOUR_MS = 3_600_000

function deliveryJson({ message, attempts }: { message: WebhookMessage; attempts: WebhookAttempt[] }) {
  return {
    id: message.id,
    webhook_id: message.publicId,
    endpoint_id: message.endpointId,
    event: message.eventType,
    subject: message.subject,
    status: message.status,
    last_error: message.lastError,
    created_at: message.createdAt.toISOString(),
    finished_at: iso(message.finishedAt),
    body: message.body,
    attempts: attempts.map((a) => ({
      attempted_at: a.attemptedAt.toISOString(),
      response_status: a.responseStatus,
      error: a.error,
      latency_ms: a.latencyMs,
      response_body: a.responseBody,
    })),
  } satisfies Static<typeof DeliveryJson>
}

function secretsJson(view: Awaited<ReturnType<WebhookAdmin['secrets']>>) {
  return {
    success: true as const,
    data: {
      endpoint_id: view.id,
      url: view.url,
      secrets: view.secrets.map((s) => ({ secret: s.secret, expires_at: iso(s.expiresAt) })),
    },
  }
}

/** The webhooks' admin API: delivery log, resend, statistics, merchant endpoints and their secrets. */
export const webhookAdminRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookAdmin; adminToken?: string }> = async (
  app,
  { webhooks, adminToken },
) => {
  app.addHook('onRequest', requireAdminToken(adminToken))
  const common = { tags: ['Admin: webhooks'], security: [{ adminToken: [] }] }

  app.get(
    '/api/admin/webhooks/deliveries',
    {
      schema: {
        ...common,
        operationId: 'ListWebhookDeliveries',
        summary: 'Журнал доставки webhook: сообщения и попытки',
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesResponse, ...seedErrorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query
      const deliveries = await webhooks.deliveries({
        transactionId: q.transaction_id,
        status: q.status as WebhookMessage['status'] | undefined,
        from: queryDate(q.from),
        to: queryDate(q.to),
        beforeId: q.before_id,
        limit: q.limit,
      })
      return { success: true as const, data: deliveries.map(deliveryJson) }
    },
  )

  app.post(
    '/api/admin/webhooks/deliveries/:id/resend',
    {
      schema: {
        ...common,
        operationId: 'ResendWebhookDelivery',
        summary: 'Отправить уведомление ещё раз (тот же webhook-id)',
        params: MessageParams,
        response: { 200: ResendResponse, ...seedErrorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      await webhooks.resend(request.params.id)
      return {
        success: true as const,
        message: 'Уведомление поставлено в очередь',
        data: { resent: [request.params.id] },
      }
    },
  )

  app.post(
    '/api/admin/webhooks/resend',
    {
      schema: {
        ...common,
        operationId: 'ResendFailedWebhooks',
        summary: 'Повторить недоставленные уведомления за период',
        body: ResendRangeBody,
        response: { 200: ResendResponse, ...seedErrorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const body = request.body ?? {}
      const resent = await webhooks.resendRange({
        from: queryDate(body.from),
        to: queryDate(body.to),
        transactionId: body.transaction_id,
        includeDelivered: body.include_delivered,
      })
      return { success: true as const, message: `Повторно отправлено: ${resent.length}`, data: { resent } }
    },
  )

  app.get(
    '/api/admin/webhooks/stats',
    {
      schema: {
        ...common,
        operationId: 'WebhookDeliveryStats',
        summary: 'Статистика доставки по адресам',
        querystring: StatsQuery,
        response: { 200: StatsResponse, ...seedErrorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const stats = await webhooks.stats({ from: queryDate(request.query.from), to: queryDate(request.query.to) })
      return {
        success: true as const,
        data: stats.map((s) => ({
          endpoint_id: s.endpointId,
          url: s.url,
          attempts: s.attempts,
          succeeded: s.succeeded,
          success_rate: s.successRate,
          no_answer: s.noAnswer,
          latency_ms: s.latencyMs,
          pending: s.pending,
          dead: s.dead,
          last_attempt_at: iso(s.lastAttemptAt),
          last_success_at: iso(s.lastSuccessAt),
        })),
      }
    },
  )

  app.post(
    '/api/admin/webhooks/endpoints',
    {
      schema: {
        ...common,
        operationId: 'RegisterWebhookEndpoint',
        summary: 'Адрес источника для webhook и его секрет Standard Webhooks',
        body: RegisterEndpointBody,
        response: { 200: SecretsResponse, ...seedErrorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => secretsJson(await webhooks.register(request.body.source_id, request.body.url)),
  )

  app.get(
    '/api/admin/webhooks/endpoints/:id/secrets',
    {
      schema: {
        ...common,
        operationId: 'RevealWebhookSecrets',
        summary: 'Секреты адреса (текущий и уходящие)',
        params: EndpointParams,
        response: { 200: SecretsResponse, ...seedErrorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => secretsJson(await webhooks.secrets(request.params.id)),
  )

  app.post(
    '/api/admin/webhooks/endpoints/:id/rotate',
    {
      schema: {
        ...common,
        operationId: 'RotateWebhookSecret',
        summary: 'Новый секрет; старый подписывает рядом с ним до конца льготного периода',
        params: EndpointParams,
        body: RotateBody,
        response: { 200: SecretsResponse, ...seedErrorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await webhooks.rotate(request.params.id, (request.body?.grace_hours ?? 24) * HOUR_MS)
      return secretsJson(await webhooks.secrets(request.params.id))
    },
  )
}
