import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Clock } from '@kokdala/core'
import { openPage, requestLanguage, sendPage, webPages } from '@kokdala/web-kit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { injectedStatusApi, type StatusApi, StatusApiError } from './api.ts'
import { statusText } from './text.ts'
import { PanelMessage, ReceiptPanel, StatusPanel, StatusShell, type ViewContext } from './view.ts'

export interface StatusPageOptions {
  clock: Clock
  /** FISCAL_TIMEZONE: times on the page are the cashboxes' local time. */
  timeZone: string
  /** The API the page reads; the service's own admin routes unless a test gives another. */
  api?: StatusApi
}

// Lenient on purpose: an unknown `?lang=` or an extra parameter still opens the page.
const querystring = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 8 })) })
const receiptParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) })

/**
 * The operator's status page (`GET /status`, Russian first): each cashbox's queue, shift, parking and offline state,
 * the Webkassa token's state, and the receipts that need a person (`GET /status/receipts/{id}` for one). The pages
 * are shells without data; their script fetches the `…/panel` fragments with the operator's admin token, and the
 * fragments are rendered here from the admin API, which checks that token.
 */
export const statusPageRoutes: FastifyPluginAsyncTypebox<StatusPageOptions> = async (app, options) => {
  await app.register(webPages)
  const api = options.api ?? injectedStatusApi(app)
  // Russian unless the operator switched: the browser's language does not decide an operator console.
  const language = (request: FastifyRequest, reply: FastifyReply) =>
    requestLanguage(request, reply, { sources: ['query', 'cookie'] })
  const tags = ['Status page']

  function context(request: FastifyRequest, reply: FastifyReply): ViewContext {
    return {
      page: openPage(reply, statusText, language(request, reply)),
      now: options.clock.now(),
      timeZone: options.timeZone,
    }
  }

  /**
   * A fragment in place of the panel when the API refused or failed: a refused token keeps its 401/403 (the script
   * asks for it again); the admin API switched off, or a failed read, is said in the panel.
   */
  function failed(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    if (!(error instanceof StatusApiError)) throw error
    const { t } = context(request, reply).page
    if (error.code === 'ADMIN_API_DISABLED')
      return sendPage(reply, PanelMessage({ kind: 'error', text: t.adminDisabled }), 503)
    if (error.status === 401 || error.status === 403) {
      return sendPage(reply, PanelMessage({ kind: 'error', text: t.refused }), error.status)
    }
    request.log.warn({ err: error }, 'status page could not read the admin API')
    return sendPage(
      reply,
      PanelMessage({ kind: 'error', text: t.unavailable }),
      error.status >= 500 ? error.status : 502,
    )
  }

  app.get(
    '/status',
    { schema: { tags, summary: 'Страница состояния фискализации (HTML, для оператора)', querystring } },
    async (request, reply) => {
      const ctx = context(request, reply)
      return sendPage(
        reply,
        StatusShell({ page: ctx.page, title: ctx.page.t.title, panelUrl: `/status/panel?lang=${ctx.page.lang}` }),
      )
    },
  )

  app.get(
    '/status/panel',
    {
      schema: {
        tags,
        summary: 'Живая часть страницы состояния (HTML; Authorization: Bearer FISCAL_ADMIN_TOKEN)',
        querystring,
      },
    },
    async (request, reply) => {
      try {
        const snapshot = await api.status(request.headers.authorization)
        return sendPage(reply, StatusPanel({ snapshot, ctx: context(request, reply) }))
      } catch (error) {
        return failed(error, request, reply)
      }
    },
  )

  app.get(
    '/status/receipts/:id',
    { schema: { tags, summary: 'Страница одного чека (HTML, для оператора)', params: receiptParams, querystring } },
    async (request, reply) => {
      const ctx = context(request, reply)
      const { id } = request.params
      return sendPage(
        reply,
        StatusShell({
          page: ctx.page,
          title: ctx.page.t.receiptTitle(id),
          panelUrl: `/status/receipts/${id}/panel?lang=${ctx.page.lang}`,
          back: `/status?lang=${ctx.page.lang}`,
        }),
      )
    },
  )

  app.get(
    '/status/receipts/:id/panel',
    {
      schema: {
        tags,
        summary: 'Живая часть страницы чека (HTML; Authorization: Bearer FISCAL_ADMIN_TOKEN)',
        params: receiptParams,
        querystring,
      },
    },
    async (request, reply) => {
      try {
        const receipt = await api.receipt(request.headers.authorization, request.params.id)
        const ctx = context(request, reply)
        if (!receipt) return sendPage(reply, PanelMessage({ kind: 'notice', text: ctx.page.t.notFound }), 404)
        return sendPage(reply, ReceiptPanel({ receipt, ctx }))
      } catch (error) {
        return failed(error, request, reply)
      }
    },
  )
}
