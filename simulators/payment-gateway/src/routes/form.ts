import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { chooseLanguage, type Language, openPage, sendPage, webPages } from '@kokdala/web-kit'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { cardProblem, decideCard } from '../cards.ts'
import type { GatewayContext } from '../context.ts'
import { formHref, formText, NotFound, PaymentForm, Result, Unavailable } from '../form.ts'
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

/** `?lang=` (or the form's Language field) first, else the language the merchant chose at init, else Russian. */
function pickLanguage(requested: string | undefined, payment?: Payment): Language {
  return chooseLanguage({ query: requested, fallback: payment?.language })
}

function notFound(reply: FastifyReply, lang: Language) {
  return sendPage(reply, NotFound({ page: openPage(reply, formText, lang) }), 404)
}

function unavailable(reply: FastifyReply, payment: Payment, lang: Language) {
  const page = openPage(reply, formText, lang, formHref(payment.paymentId))
  return sendPage(reply, Unavailable({ page, payment }), payment.status === 'EXPIRED' ? 410 : 409)
}

/** The customer-facing hosted payment page: render, submit, result. */
export const formRoutes: FastifyPluginAsyncTypebox<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  // Security headers, and the form's urlencoded posts.
  await app.register(webPages)

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
      if (payment.status !== 'FORM_SHOWED') return unavailable(reply, payment, lang)
      return sendPage(
        reply,
        PaymentForm({ page: openPage(reply, formText, lang, formHref(payment.paymentId)), payment }),
      )
    },
  )

  app.post('/api/v1/paymentform/submit', { schema: { body: SubmitBody } }, async (request, reply) => {
    const body = request.body
    const payment = body.PaymentId ? ctx.store.get(body.PaymentId) : undefined
    const lang = pickLanguage(body.Language, payment)
    if (!payment) return notFound(reply, lang)
    // A direct post without a prior render still passes through FORM_SHOWED, the only status that may be paid.
    if (payment.status === 'NEW') ctx.store.transition(payment, 'FORM_SHOWED', { language: lang })
    if (payment.status !== 'FORM_SHOWED') return unavailable(reply, payment, lang)

    const card = { cardNumber: body.CardNumber ?? '', expiryDate: body.ExpiryDate ?? '', cvv: body.Cvv ?? '' }
    const problem = cardProblem(card, ctx.clock(), lang)
    if (problem) {
      // Never echo the card number or CVV back into the page.
      const values = { ExpiryDate: card.expiryDate, CardholderName: body.CardholderName ?? '', Email: body.Email ?? '' }
      const page = openPage(reply, formText, lang, formHref(payment.paymentId))
      return sendPage(reply, PaymentForm({ page, payment, error: problem, values }), 400)
    }

    const [min, max] = ctx.processingDelayMs
    if (max > 0) await delay(min + Math.floor(ctx.random() * (max - min + 1)))
    // A second submit may have finished while this one was "processing".
    if (payment.status !== 'FORM_SHOWED') return unavailable(reply, payment, lang)

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
      const page = openPage(reply, formText, lang, formHref(payment.paymentId, 'result'))
      return sendPage(reply, Result({ page, payment }))
    },
  )
}
