import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  type Clock,
  errorResponses,
  formatTenge,
  keepRawJsonBody,
  parseTenge,
  parseTengeNumber,
  standardWebhookGuard,
  type Tiyn,
} from '@kokdala/core'
import { PAYMENT_TYPES } from '@kokdala/webkassa'
import type { Static } from 'typebox'
import { requireAdminToken } from '../../admin.ts'
import { FiscalError } from '../../errors.ts'
import type { AttemptRow, ReceiptRow } from './repository.ts'
import {
  CashboxList,
  CashboxParams,
  CreateReceiptBody,
  PaymentEventAnswer,
  PaymentEventSchema,
  ReceiptList,
  ReceiptParams,
  ReceiptsQuery,
  ReceiptView,
  ReportParams,
  ReportView,
} from './schemas.ts'
import type { ReceiptService } from './service.ts'

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null)

/** A receipt as the API shows it: status, fiscal number, shift, ticket URL and every attempt. */
export function receiptView(receipt: ReceiptRow, attempts: readonly AttemptRow[]): Static<typeof ReceiptView> {
  return {
    id: receipt.id,
    external_number: receipt.externalNumber,
    kind: receipt.kind,
    source: receipt.source,
    payment: receipt.transactionId,
    external_id: receipt.callerId,
    cashbox: receipt.cashbox,
    status: receipt.status,
    total: formatTenge(receipt.totalTiyn),
    commission: formatTenge(receipt.commissionTiyn),
    original_receipt_id: receipt.originalId,
    fiscal: receipt.checkNumber
      ? {
          check_number: receipt.checkNumber,
          time: receipt.fiscalTime,
          shift_number: receipt.shiftNumber,
          order_number: receipt.checkOrderNumber,
          offline: receipt.offline === true,
          ticket_url: receipt.ticketUrl,
          via: receipt.fiscalizedVia,
        }
      : null,
    last_error: receipt.lastError,
    last_error_code: receipt.lastErrorCode,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: new Date(a.startedAt).toISOString(),
      finished_at: iso(a.finishedAt),
      outcome: a.outcome,
      error: a.error,
    })),
    created_at: new Date(receipt.createdAt).toISOString(),
    fiscalized_at: iso(receipt.fiscalizedAt),
  }
}

/** A tenge amount of a request (number or decimal string, two decimals at most) as tiyn above 0; else a 400. */
function price(value: number | string, field: string): Tiyn {
  let tiyn: Tiyn
  try {
    tiyn = typeof value === 'number' ? parseTengeNumber(value) : parseTenge(value)
  } catch {
    throw new FiscalError('RECEIPT_INVALID', `${field} is not a tenge amount with at most two decimals`)
  }
  if (tiyn <= 0n) throw new FiscalError('RECEIPT_INVALID', `${field} must be above 0`)
  return tiyn
}

export interface ReceiptRoutesOptions {
  receipts: ReceiptService
  adminToken?: string
  /** The `whsec_…` payments signs its fiscal feed with; without it the feed is refused. */
  paymentsWebhookSecret?: string
  vatPercent: number
  clock: Clock
}

/**
 * The receipts API. The payments feed is verified the Standard Webhooks way over the raw bytes; everything else
 * is for the operator (admin token): receipts are fiscal documents, not something any caller may create or read.
 */
export const receiptRoutes: FastifyPluginAsyncTypebox<ReceiptRoutesOptions> = async (app, options) => {
  await app.register(paymentFeedRoutes, options)
  await app.register(receiptAdminRoutes, options)
}

/** `POST /api/payment-events`, in its own scope: only here are raw bodies kept (for the signature). */
const paymentFeedRoutes: FastifyPluginAsyncTypebox<ReceiptRoutesOptions> = async (feed, options) => {
  const { receipts } = options
  keepRawJsonBody(feed)
  const secret = options.paymentsWebhookSecret
  const guard = standardWebhookGuard({
    secrets: () => {
      if (!secret) throw new FiscalError('WEBHOOK_SIGNATURE_INVALID', 'FISCAL_PAYMENTS_WEBHOOK_SECRET is not set')
      return secret
    },
    clock: options.clock,
  })
  feed.post(
    '/api/payment-events',
    {
      // The signature before the body's shape: an unsigned request learns nothing about what we accept.
      preValidation: guard,
      schema: {
        operationId: 'ReceivePaymentEvent',
        tags: ['Receipts'],
        summary: 'Payments webhook (Standard Webhooks): paid and partially paid → sale receipt, refunds → return',
        body: PaymentEventSchema,
        response: { 200: PaymentEventAnswer, ...errorResponses(400, 401, 409, 415, 503) },
      },
    },
    async (request) => {
      const webhookId = request.headers['webhook-id'] as string
      const result = await receipts.acceptPaymentEvent(webhookId, request.body)
      return { received: true, ...result }
    },
  )
}

const receiptAdminRoutes: FastifyPluginAsyncTypebox<ReceiptRoutesOptions> = async (admin, options) => {
  const { receipts } = options
  admin.addHook('onRequest', requireAdminToken(options.adminToken))
  const common = { tags: ['Receipts'], security: [{ adminToken: [] }] }
  const types = { cash: PAYMENT_TYPES.cash, card: PAYMENT_TYPES.card, mobile: PAYMENT_TYPES.mobile } as const

  admin.post(
    '/api/receipts',
    {
      schema: {
        ...common,
        operationId: 'CreateReceipt',
        summary: 'A sale receipt, once per external_id (201 new, 200 the same one again)',
        body: CreateReceiptBody,
        response: { 200: ReceiptView, 201: ReceiptView, ...errorResponses(400, 401, 403, 409, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body
      const { receipt, created } = await receipts.createApiReceipt({
        externalId: body.external_id,
        lines: body.positions.map((p, i) => ({
          name: p.name,
          count: p.count,
          priceTiyn: price(p.price, `positions[${i}].price`),
          vatPercent: p.vat_percent ?? options.vatPercent,
          unitCode: p.unit_code ?? 796,
        })),
        payments: body.payments.map((p, i) => ({ type: types[p.type], sumTiyn: price(p.sum, `payments[${i}].sum`) })),
      })
      reply.code(created ? 201 : 200)
      // A new receipt is answered as inserted (no attempt yet); a repeat shows the receipt as it is now.
      if (created) return receiptView(receipt, [])
      const now = await receipts.get(receipt.id)
      return receiptView(now.receipt, now.attempts)
    },
  )

  admin.get(
    '/api/receipts/:id',
    {
      schema: {
        ...common,
        operationId: 'GetReceipt',
        summary: 'A receipt: status, fiscal number, shift, ticket URL, attempts',
        params: ReceiptParams,
        response: { 200: ReceiptView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { receipt, attempts } = await receipts.get(request.params.id)
      return receiptView(receipt, attempts)
    },
  )

  admin.post(
    '/api/receipts/:id/retry',
    {
      schema: {
        ...common,
        operationId: 'RetryReceipt',
        summary:
          'A person retries a needs_attention or failed receipt: queued again on its cashbox with the same external ' +
          'number (looked up first when an earlier send may have reached Webkassa); 409 in any other status',
        params: ReceiptParams,
        response: { 200: ReceiptView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const receipt = await receipts.retry(request.params.id)
      const { attempts } = await receipts.get(receipt.id)
      return receiptView(receipt, attempts)
    },
  )

  admin.get(
    '/api/receipts',
    {
      schema: {
        ...common,
        operationId: 'ListReceipts',
        summary: 'Receipts of a payment and/or in a status (needs_attention: those that need a person)',
        querystring: ReceiptsQuery,
        response: { 200: ReceiptList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query
      const list = await receipts.list({ transactionId: q.payment, status: q.status, limit: q.limit })
      return { receipts: list.map(({ receipt, attempts }) => receiptView(receipt, attempts)) }
    },
  )

  admin.get(
    '/api/cashboxes',
    {
      schema: {
        ...common,
        tags: ['Shifts'],
        operationId: 'ListCashboxes',
        summary: 'Each cashbox: queue depth, oldest waiting receipt, parking, shift age, offline mode',
        response: { 200: CashboxList, ...errorResponses(401, 403) },
      },
    },
    async () => ({
      cashboxes: (await receipts.cashboxes()).map((c) => ({
        znk: c.znk,
        parked: c.parkedAt
          ? { code: c.parkedCode, reason: c.parkedReason, since: new Date(c.parkedAt).toISOString() }
          : null,
        queued: c.queued,
        oldest_queued_at: iso(c.oldestQueuedAt),
        needs_attention: c.needsAttention,
        shift:
          c.shiftNumber !== null && c.shiftOpenedAt !== null && c.shiftAgeMs !== null
            ? {
                number: c.shiftNumber,
                opened_at: new Date(c.shiftOpenedAt).toISOString(),
                age_minutes: Math.floor(c.shiftAgeMs / 60_000),
              }
            : null,
        last_receipt_offline: c.lastOffline,
      })),
    }),
  )

  admin.post(
    '/api/cashboxes/:znk/x-report',
    {
      schema: {
        ...common,
        tags: ['Shifts'],
        operationId: 'RequestXReport',
        summary: "An X report on the cashbox's queue (202; read it at …/reports/{id})",
        params: CashboxParams,
        response: { 202: ReportView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const id = await receipts.requestXReport(request.params.znk)
      reply.code(202)
      return reportView(await receipts.report(request.params.znk, id))
    },
  )

  admin.get(
    '/api/cashboxes/:znk/reports/:id',
    {
      schema: {
        ...common,
        tags: ['Shifts'],
        operationId: 'GetReport',
        summary: 'An X or Z report of the cashbox',
        params: ReportParams,
        response: { 200: ReportView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => reportView(await receipts.report(request.params.znk, request.params.id)),
  )
}

function reportView(report: Awaited<ReturnType<ReceiptService['report']>>): Static<typeof ReportView> {
  return {
    id: report.id,
    cashbox: report.cashbox,
    kind: report.kind,
    reason: report.reason,
    status: report.status,
    shift_number: report.shiftNumber,
    data: report.data ?? null,
    error: report.error,
    requested_at: new Date(report.requestedAt).toISOString(),
    finished_at: iso(report.finishedAt),
  }
}
