import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { cardProblem, decideCard } from '../cards.ts'
import type { GatewayContext } from '../context.ts'
import { type Language, renderPaymentForm, renderResult, renderUnavailable } from '../form.ts'
import type { Payment } from '../store.ts'

const PaymentParams = Type.Object({ paymentId: Type.String() })
const LangQuery = Type.Object({ lang: Type.Optional(Type.String()) })
// Field names of the real MVC model; all optional so a bad post re-renders the form instead of a JSON 400.
const SubmitBody = Type.Object(
  {
    PaymentId: Type.Optional(Type.String()),
    CardNumber: Type.Optional(Type.String()),
    ExpiryDate: Type.Optional(Type.String()),
    Cvv: Type.Optional(Type.String()),
    CardholderName: Type.Optional(Type.String()),
    Email: Type.Optional(Type.String()),
    Language: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)

function pickLanguage(requested: string | undefined, payment?: Payment): Language {
  if (requested === 'en' || requested === 'ru') return requested
  return payment?.language ?? 'ru'
}

function html(reply: FastifyReply, status: number, body: string) {
  return reply.status(status).type('text/html; charset=utf-8').send(body)
}

function notFound(reply: FastifyReply, lang: Language) {
  const text = lang === 'en' ? 'Payment not found' : 'Платёж не найден'
  return html(reply, 404, `<!doctype html><html lang="${lang}"><meta charset="utf-8"><h1>${text}</h1></html>`)
}

/** The customer-facing hosted payment page: render, submit, result. */
export const formRoutes: FastifyPluginAsyncTypebox<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  // Browsers post the form urlencoded; parsed here without an extra dependency.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  function unavailableStatus(payment: Payment): number {
    return payment.status === 'EXPIRED' ? 410 : 409
  }

  app.get(
    '/api/v1/paymentform/render/:paymentId',
    { schema: { params: PaymentParams, querystring: LangQuery } },
    async (request, reply) => {
      const payment = ctx.store.get(request.params.paymentId)
      const lang = pickLanguage(request.query.lang, payment)
      if (!payment) return notFound(reply, lang)
      if (payment.status === 'NEW') {
        ctx.store.transition(payment, 'FORM_SHOWED', {
          clientIp: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          language: lang,
        })
      }
      if (payment.status !== 'FORM_SHOWED')
        return html(reply, unavailableStatus(payment), renderUnavailable(payment, lang))
      return html(reply, 200, renderPaymentForm({ payment, lang }))
    },
  )

  app.post('/api/v1/paymentform/submit', { schema: { body: SubmitBody } }, async (request, reply) => {
    const body = request.body
    const payment = body.PaymentId ? ctx.store.get(body.PaymentId) : undefined
    const lang = pickLanguage(body.Language, payment)
    if (!payment) return notFound(reply, lang)
    // A direct post without a prior render still passes through FORM_SHOWED, the only status that may be paid.
    if (payment.status === 'NEW') ctx.store.transition(payment, 'FORM_SHOWED', { language: lang })
    if (payment.status !== 'FORM_SHOWED')
      return html(reply, unavailableStatus(payment), renderUnavailable(payment, lang))

    const card = { cardNumber: body.CardNumber ?? '', expiryDate: body.ExpiryDate ?? '', cvv: body.Cvv ?? '' }
    const problem = cardProblem(card, ctx.clock(), lang)
    if (problem) {
      // Never echo the card number or CVV back into the page.
      const values = { ExpiryDate: card.expiryDate, CardholderName: body.CardholderName ?? '', Email: body.Email ?? '' }
      return html(reply, 400, renderPaymentForm({ payment, lang, error: problem, values }))
    }

    const [min, max] = ctx.processingDelayMs
    if (max > 0) await delay(min + Math.floor(ctx.random() * (max - min + 1)))
    // A second submit may have finished while this one was "processing".
    if (payment.status !== 'FORM_SHOWED')
      return html(reply, unavailableStatus(payment), renderUnavailable(payment, lang))

    const decision = decideCard(card.cardNumber, ctx.random)
    const resultUrl = `/api/v1/paymentform/result/${payment.paymentId}`
    if (decision.approved) {
      ctx.store.transition(payment, 'AUTHORIZED')
      // The real gateway redirects to the exact successURL given at init: no query parameters are appended.
      return reply.redirect(payment.successUrl ?? resultUrl, 302)
    }
    payment.failureReason = decision.reason
    ctx.store.transition(payment, 'REJECTED')
    return reply.redirect(payment.failUrl ?? resultUrl, 302)
  })

  app.get(
    '/api/v1/paymentform/result/:paymentId',
    { schema: { params: PaymentParams, querystring: LangQuery } },
    async (request, reply) => {
      const payment = ctx.store.get(request.params.paymentId)
      const lang = pickLanguage(request.query.lang, payment)
      if (!payment) return notFound(reply, lang)
      return html(reply, 200, renderResult(payment, lang))
    },
  )
}
