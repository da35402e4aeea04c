import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { simOperation } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import { authenticate, type GatewayContext, iso, paymentUrl } from '../context.ts'
import { GatewayError } from '../errors.ts'
import type { Payment } from '../store.ts'
import { validateInit } from '../store.ts'

const STATUS_DESCRIPTIONS: Record<string, string> = {
  NEW: 'Payment created',
  FORM_SHOWED: 'Payment form displayed',
  AUTHORIZED: 'Payment authorized',
  CONFIRMED: 'Payment confirmed',
  REFUNDED: 'Payment refunded',
  CANCELLED: 'Payment cancelled',
  EXPIRED: 'Payment expired',
  REJECTED: 'Payment rejected',
}

// Bodies are open objects: the real DTOs accept many optional fields the simulator only stores or ignores.
const open = { additionalProperties: true }
const Auth = { teamSlug: Type.String(), token: Type.String() }

const InitBody = Type.Object(
  {
    ...Auth,
    amount: Type.Number(),
    orderId: Type.String(),
    currency: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    successURL: Type.Optional(Type.String()),
    failURL: Type.Optional(Type.String()),
    notificationURL: Type.Optional(Type.String()),
    paymentExpiry: Type.Optional(Type.Integer()),
    language: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    payType: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.String())),
    items: Type.Optional(Type.Array(Type.Object({ amount: Type.Number() }, open))),
  },
  open,
)

const CheckBody = Type.Object(
  { ...Auth, paymentId: Type.Optional(Type.String()), orderId: Type.Optional(Type.String()) },
  open,
)
const StatusQuery = Type.Object(
  {
    teamSlug: Type.String(),
    token: Type.String(),
    paymentId: Type.Optional(Type.String()),
    orderId: Type.Optional(Type.String()),
    language: Type.Optional(Type.String()),
  },
  open,
)
const ConfirmBody = Type.Object({ ...Auth, paymentId: Type.String(), amount: Type.Optional(Type.Number()) }, open)
const CancelBody = Type.Object(
  { ...Auth, paymentId: Type.String(), amount: Type.Optional(Type.Number()), reason: Type.Optional(Type.String()) },
  open,
)

const Envelope = {
  success: Type.Boolean(),
  timestamp: Type.String(),
  correlationId: Type.String(),
}
const ErrorBody = Type.Object(
  {
    success: Type.Boolean(),
    errorCode: Type.String(),
    message: Type.String(),
    details: Type.Unknown(),
    timestamp: Type.String(),
    correlationId: Type.String(),
  },
  open,
)
const PaymentStatusDto = Type.Object(
  {
    paymentId: Type.String(),
    orderId: Type.String(),
    status: Type.String(),
    statusDescription: Type.String(),
    amount: Type.Number(),
    currency: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    expiresAt: Type.String(),
    description: Type.Optional(Type.String()),
    payType: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  open,
)
const CheckResponse = Type.Object({
  ...Envelope,
  payments: Type.Array(PaymentStatusDto),
  totalCount: Type.Integer(),
  orderId: Type.Union([Type.String(), Type.Null()]),
})
const InitResponse = Type.Object({
  ...Envelope,
  paymentId: Type.String(),
  orderId: Type.String(),
  status: Type.String(),
  amount: Type.Number(),
  currency: Type.String(),
  paymentURL: Type.String(),
  expiresAt: Type.String(),
  createdAt: Type.String(),
})
const ConfirmResponse = Type.Object({
  ...Envelope,
  paymentId: Type.String(),
  orderId: Type.String(),
  status: Type.String(),
  authorizedAmount: Type.Number(),
  confirmedAmount: Type.Number(),
  remainingAmount: Type.Number(),
  currency: Type.String(),
  confirmedAt: Type.String(),
})
const CancelResponse = Type.Object({
  ...Envelope,
  paymentId: Type.String(),
  orderId: Type.String(),
  status: Type.String(),
  cancellationType: Type.String(),
  originalAmount: Type.Number(),
  cancelledAmount: Type.Number(),
  remainingAmount: Type.Number(),
  currency: Type.String(),
  cancelledAt: Type.String(),
})
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 429: ErrorBody }

function statusDto(payment: Payment) {
  return {
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    status: payment.status,
    statusDescription: STATUS_DESCRIPTIONS[payment.status],
    amount: payment.amount,
    currency: payment.currency,
    createdAt: iso(payment.createdAt),
    updatedAt: iso(payment.updatedAt),
    expiresAt: iso(payment.expiresAt),
    description: payment.description,
    payType: payment.payType,
    data: payment.data,
  }
}

/** The merchant API: PaymentInit, PaymentCheck (POST and GET), PaymentConfirm, PaymentCancel. */
export const apiRoutes: FastifyPluginAsyncTypebox<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  function envelope(correlationId: string) {
    return { success: true, timestamp: iso(ctx.clock()), correlationId }
  }

  app.post(
    '/api/v1/PaymentInit/init',
    { config: simOperation('init'), schema: { body: InitBody, response: { 200: InitResponse, ...errors } } },
    async (request) => {
      const body = request.body
      // ASP.NET model validation runs before the authentication filter, so a bad amount is 400 even with a bad token.
      const problems = validateInit(body)
      if (problems.length > 0) throw new GatewayError(400, '1100', 'Validation failed', problems)
      const team = authenticate(ctx, { ...body, currency: body.currency ?? 'KZT' })
      const payment = ctx.store.init(team.teamSlug, body)
      return {
        ...envelope(request.id),
        paymentId: payment.paymentId,
        orderId: payment.orderId,
        status: payment.status,
        amount: payment.amount,
        currency: payment.currency,
        paymentURL: paymentUrl(ctx, payment),
        expiresAt: iso(payment.expiresAt),
        createdAt: iso(payment.createdAt),
      }
    },
  )

  function check(request: { id: string }, query: { teamSlug: string; paymentId?: string; orderId?: string }) {
    if (!query.paymentId && !query.orderId) {
      throw new GatewayError(400, '1003', 'Either paymentId or orderId is required')
    }
    const payment = query.paymentId
      ? ctx.store.get(query.paymentId, query.teamSlug)
      : ctx.store.findByOrderId(query.teamSlug, query.orderId as string)
    if (!payment || (query.orderId && payment.orderId !== query.orderId)) {
      throw new GatewayError(404, '1404', 'Payment not found')
    }
    return {
      ...envelope(request.id),
      payments: [statusDto(payment)],
      totalCount: 1,
      orderId: query.orderId ?? payment.orderId,
    }
  }

  app.post(
    '/api/v1/PaymentCheck/check',
    { config: simOperation('check'), schema: { body: CheckBody, response: { 200: CheckResponse, ...errors } } },
    async (request) => {
      const team = authenticate(ctx, request.body)
      return check(request, { ...request.body, teamSlug: team.teamSlug })
    },
  )

  app.get(
    '/api/v1/PaymentCheck/status',
    {
      config: simOperation('status'),
      schema: { querystring: StatusQuery, response: { 200: CheckResponse, ...errors } },
    },
    async (request) => {
      // The real filter hashes query parameters too; `language` is not a token field, so it is ignored.
      const team = authenticate(ctx, request.query)
      return check(request, { ...request.query, teamSlug: team.teamSlug })
    },
  )

  app.post(
    '/api/v1/PaymentConfirm/confirm',
    { config: simOperation('confirm'), schema: { body: ConfirmBody, response: { 200: ConfirmResponse, ...errors } } },
    async (request) => {
      const body = request.body
      // Faithful to the deployed code: the token filter and the manual check are commented out, so any non-empty
      // token is accepted. The documented formula (Amount+PaymentId+TeamSlug+Password) is not enforced there.
      if (body.token.trim() === '' || !ctx.teams.has(body.teamSlug)) {
        throw new GatewayError(401, '2001', 'Authentication failed')
      }
      const payment = ctx.store.get(body.paymentId, body.teamSlug)
      if (!payment) throw new GatewayError(404, '2404', 'Payment not found')
      if (payment.status !== 'AUTHORIZED') {
        const message =
          payment.status === 'CONFIRMED'
            ? 'Payment already confirmed'
            : `Payment cannot be confirmed in status ${payment.status}`
        throw new GatewayError(409, '2409', message, { status: payment.status })
      }
      if (body.amount !== undefined && body.amount !== payment.amount) {
        throw new GatewayError(
          400,
          '2003',
          'Partial confirmation is not supported: amount must equal the payment amount',
        )
      }
      ctx.store.transition(payment, 'CONFIRMED')
      payment.confirmedAmount = payment.amount
      return {
        ...envelope(request.id),
        paymentId: payment.paymentId,
        orderId: payment.orderId,
        status: payment.status,
        authorizedAmount: payment.amount,
        confirmedAmount: payment.amount,
        remainingAmount: 0,
        currency: payment.currency,
        confirmedAt: iso(payment.updatedAt),
      }
    },
  )

  app.post(
    '/api/v1/PaymentCancel/cancel',
    { config: simOperation('cancel'), schema: { body: CancelBody, response: { 200: CancelResponse, ...errors } } },
    async (request) => {
      const body = request.body
      // The deployed controller is broken: it re-authenticates with a dictionary lacking the token, so it always
      // answers 401 3001 (and would next parse the numeric paymentId as a GUID, 400 3100, a line never reached).
      // The `cancelBroken` fault reproduces that; by default the simulator implements the intended behaviour with the
      // filter's formula PaymentId + Password + TeamSlug so refunds can be tested.
      if (ctx.faults.cancelBroken) throw new GatewayError(401, '3001', 'Authentication failed')
      authenticate(ctx, body, '3001')
      const payment = ctx.store.get(body.paymentId, body.teamSlug)
      if (!payment) throw new GatewayError(404, '3404', 'Payment not found')
      if (body.amount !== undefined && body.amount !== payment.amount) {
        throw new GatewayError(422, '3422', 'Partial cancellation is not supported')
      }
      const originalStatus = payment.status
      const target = originalStatus === 'CONFIRMED' ? 'REFUNDED' : 'CANCELLED'
      if (!ctx.store.canTransition(payment, target)) {
        throw new GatewayError(409, '3409', `Payment cannot be cancelled in status ${payment.status}`, {
          status: payment.status,
        })
      }
      ctx.store.transition(payment, target)
      const cancellationType =
        originalStatus === 'CONFIRMED'
          ? 'FULL_REFUND'
          : originalStatus === 'AUTHORIZED'
            ? 'FULL_REVERSAL'
            : 'FULL_CANCELLATION'
      return {
        ...envelope(request.id),
        paymentId: payment.paymentId,
        orderId: payment.orderId,
        status: payment.status,
        cancellationType,
        originalAmount: payment.amount,
        cancelledAmount: payment.amount,
        remainingAmount: 0,
        currency: payment.currency,
        cancelledAt: iso(payment.updatedAt),
      }
    },
  )
}
