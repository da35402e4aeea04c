import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { seedErrorResponses } from '../../envelope.ts'
import { PaymentsError } from '../../errors.ts'
import { queryDate } from '../../query-dates.ts'
import type { Reconcile } from './reconcile.ts'
import { reconciliationJson } from './report-json.ts'
import type { TerminalView } from './repository.ts'
import type { ReconciliationRun, RunRepository } from './runs.ts'
import {
  NewTerminalBody,
  ReconcileQuery,
  ReconcileResponse,
  type RunJson,
  RunListQuery,
  RunListResponse,
  type TerminalJson,
  TerminalListResponse,
  TerminalParams,
  TerminalResponse,
} from './schemas.ts'
import type { TerminalAdmin } from './service.ts'

export { adminTokenScheme } from '../../admin.ts'

const DAY_MS = 24 * 60 * 60 * 1000

function terminalJson(terminal: TerminalView): Static<typeof TerminalJson> {
  return {
    id: terminal.id,
    name: terminal.name,
    base_url: terminal.baseUrl,
    camera_id: terminal.cameraId,
    enabled: terminal.enabled,
    state: terminal.state,
    busy: terminal.leaseAttemptId !== null,
    lease_attempt_id: terminal.leaseAttemptId,
    lease_expires_at: terminal.leaseExpiresAt?.toISOString() ?? null,
    last_seen_at: terminal.lastSeenAt?.toISOString() ?? null,
    last_error: terminal.lastError,
  }
}

function runJson(run: ReconciliationRun): Static<typeof RunJson> {
  return {
    day: run.day,
    from: run.from.toISOString(),
    to: run.to.toISOString(),
    status: run.status,
    attempts: run.attempts,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    mismatches: run.mismatches,
    unreadable: run.unreadable,
    error: run.error,
    report: (run.report ?? null) as Static<typeof RunJson>['report'],
  }
}

/** `/api/admin/terminals…`: operators add, list, disable and enable terminals, and reconcile their transactions. */
export const terminalRoutes: FastifyPluginAsyncTypebox<{
  admin: TerminalAdmin
  reconcile: Reconcile
  runs: RunRepository
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  now: () => Date
}> = async (app, { admin, reconcile, runs, authorize, now }) => {
  app.addHook('onRequest', authorize)
  const common = { tags: ['Admin: terminals'], security: [{ adminToken: [] }] }

  app.get(
    '/api/admin/terminals',
    {
      schema: {
        ...common,
        operationId: 'ListTerminals',
        summary: 'Терминалы и их состояние',
        response: { 200: TerminalListResponse, ...seedErrorResponses(401) },
      },
    },
    async () => ({ success: true as const, data: (await admin.list()).map(terminalJson) }),
  )

  app.post(
    '/api/admin/terminals',
    {
      schema: {
        ...common,
        operationId: 'AddTerminal',
        summary: 'Добавить терминал',
        body: NewTerminalBody,
        response: { 201: TerminalResponse, ...seedErrorResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const { name, base_url, access_token, camera_id, enabled } = request.body
      const terminal = await admin.add({
        name,
        baseUrl: base_url,
        accessToken: access_token,
        cameraId: camera_id,
        enabled,
      })
      reply.code(201)
      return { success: true as const, data: terminalJson(terminal) }
    },
  )

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/api/admin/terminals/:id/${action}`,
      {
        schema: {
          ...common,
          operationId: action === 'disable' ? 'DisableTerminal' : 'EnableTerminal',
          summary: action === 'disable' ? 'Выключить терминал' : 'Включить терминал',
          params: TerminalParams,
          response: { 200: TerminalResponse, ...seedErrorResponses(400, 401, 404) },
        },
      },
      async (request) => ({ success: true as const, data: terminalJson(await admin[action](request.params.id)) }),
    )
  }

  app.get(
    '/api/admin/terminals/reconcile',
    {
      schema: {
        ...common,
        operationId: 'ReconcileTerminals',
        summary: 'Сверка транзакций терминалов с платежами',
        querystring: ReconcileQuery,
        response: { 200: ReconcileResponse, ...seedErrorResponses(400, 401) },
      },
    },
    async (request) => {
      const to = queryDate(request.query.to) ?? now()
      const from = queryDate(request.query.from) ?? new Date(to.getTime() - DAY_MS)
      if (!(from < to))
        throw new PaymentsError('VALIDATION_FAILED', undefined, { reason: '`from` must be before `to`' })
      return { success: true as const, data: reconciliationJson(await reconcile({ from, to })) }
    },
  )

  app.get(
    '/api/admin/terminals/reconciliations',
    {
      schema: {
        ...common,
        operationId: 'ListReconciliations',
        summary: 'Ежедневные сверки терминалов',
        querystring: RunListQuery,
        response: { 200: RunListResponse, ...seedErrorResponses(400, 401) },
      },
    },
    async (request) => ({
      success: true as const,
      data: (await runs.list(request.query.limit ?? 14)).map(runJson),
    }),
  )
}
