import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { isLanguage, openPage, requestLanguage, sendPage, webPages } from '@kokdala/web-kit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { injectedApi, PageApiError, type PaymentPageApi } from './api.ts'
import { PAYABLE, PaymentPage, ProblemPage } from './page.ts'
import { qrImage } from './qr.ts'
import { pageText } from './text.ts'

/**
 * Transaction ids are 12 characters in the seed; anything of another alphabet or absurd length is not a payment and
 * never reaches the API. The length is kept loose so a longer id scheme later needs no change here.
 */
const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,64}$/

export interface PaymentPageOptions {
  /** The API the page reads; the service's own routes unless a test gives another. */
  api?: PaymentPageApi
}

/**
 * `GET /pay/{transaction_id}` — the customer's payment page, the payment's `payment_url`. Anything else under
 * `/pay/` (no id, a malformed one, a deeper path) is the page's own 404, in HTML: a customer follows these links.
 */
export const paymentPageRoutes: FastifyPluginAsyncTypebox<PaymentPageOptions> = async (app, options) => {
  await app.register(webPages)
  const api = options.api ?? injectedApi(app)

  // A payment page follows the merchant's language (Russian) and the customer's switch, not the browser's.
  const language = (request: FastifyRequest, reply: FastifyReply) =>
    requestLanguage(request, reply, { sources: ['query', 'cookie'] })

  /** 404 for what is not a payment; 503 (or the API's 429, passed on) when the page cannot read the API now. */
  function problem(request: FastifyRequest, reply: FastifyReply, kind: 'not-found' | 'unavailable', status = 503) {
    const page = openPage(reply, pageText, language(request, reply))
    if (kind === 'unavailable') reply.header('retry-after', 5)
    return sendPage(reply, ProblemPage({ page, kind }), kind === 'not-found' ? 404 : status)
  }

  // The query is read leniently on purpose: an unknown `?lang=` or an extra parameter (a messenger's tracking tag)
  // must still open the page, not answer a JSON 400 to a customer.
  const querystring = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 8 })) })

  app.get(
    '/pay/:id',
    {
      schema: {
        tags: ['Payment page'],
        summary: 'Страница оплаты для клиента (HTML)',
        params: Type.Object({ id: Type.String() }),
        querystring,
      },
    },
    async (request, reply) => {
      const { id } = request.params
      if (!TRANSACTION_ID.test(id)) return problem(request, reply, 'not-found')
      let loaded: Awaited<ReturnType<typeof load>>
      try {
        loaded = await load(id, request.ip)
      } catch (error) {
        if (!(error instanceof PageApiError)) throw error
        request.log.warn({ err: error, transactionId: id }, 'payment page could not read the API')
        return problem(request, reply, 'unavailable', error.status === 429 ? 429 : 503)
      }
      if (!loaded) return problem(request, reply, 'not-found')
      const page = openPage(reply, pageText, language(request, reply))
      return sendPage(reply, PaymentPage({ page, ...loaded }))
    },
  )

  // The form without the script (it failed to load, or is off): the same `/kaspi` call made here, then back to the
  // page (303, so a reload does not post again), or the page again with the reason when the API refused.
  app.post(
    '/pay/:id',
    {
      // A missing or odd method is the customer's slip on a page: said on the page, not as a JSON 400.
      attachValidation: true,
      schema: {
        tags: ['Payment page'],
        summary: 'Форма страницы оплаты без скрипта: POST /api/payment/{id}/kaspi и обратно на страницу',
        params: Type.Object({ id: Type.String() }),
        querystring,
        body: Type.Object({ payment_method: Type.String({ minLength: 1, maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      const { id } = request.params
      if (!TRANSACTION_ID.test(id)) return problem(request, reply, 'not-found')
      const lang = language(request, reply)
      const path = `/pay/${encodeURIComponent(id)}`
      const back = isLanguage(request.query.lang) ? `${path}?lang=${request.query.lang}` : path
      const t = pageText(lang)
      let error = t.errorNoMethod
      if (!request.validationError) {
        const answer = await api.startKaspi(id, request.body.payment_method, request.ip)
        if (answer.started) return reply.redirect(back, 303)
        if (answer.status === 404) return problem(request, reply, 'not-found')
        // It moved on meanwhile (started elsewhere, expired): the page shows what it is now.
        if (answer.code === 'PAYMENT_IN_PROGRESS' || answer.code === 'PAYMENT_NOT_PAYABLE') {
          return reply.redirect(back, 303)
        }
        error =
          answer.code === 'TERMINALS_BUSY'
            ? t.errorBusy
            : answer.code === 'TERMINAL_UNAVAILABLE'
              ? t.errorUnavailable
              : t.errorGeneric
      }
      let loaded: Awaited<ReturnType<typeof load>>
      try {
        loaded = await load(id, request.ip)
      } catch (failure) {
        if (!(failure instanceof PageApiError)) throw failure
        return problem(request, reply, 'unavailable', failure.status === 429 ? 429 : 503)
      }
      if (!loaded) return problem(request, reply, 'not-found')
      // The switch leads to the page, not back to this POST.
      const page = openPage(reply, pageText, lang, (other) => `${path}?lang=${other}`)
      return sendPage(reply, PaymentPage({ page, ...loaded, error }), 422)
    },
  )

  app.get('/pay/*', { schema: { hide: true, querystring } }, async (request, reply) =>
    problem(request, reply, 'not-found'),
  )

  async function load(id: string, clientIp: string) {
    const payment = await api.payment(id, clientIp)
    if (!payment) return undefined
    // Methods only where the customer chooses one: fewer calls against the customer's rate limit.
    const methods = PAYABLE.has(payment.status) ? await api.methods(clientIp) : []
    const qr = payment.status === 'processing' && payment.qrCode ? await qrImage(payment.qrCode) : undefined
    return { payment, methods, qr }
  }
}
