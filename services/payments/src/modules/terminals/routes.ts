import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { formatTenge } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { seedErrorResponses } from '../../envelope.ts'
import { PaymentsError } from '../../errors.ts'
import { queryDate } from '../../query-dates.ts'
import type { Mismatch, Reconcile, ReconciliationReport } from './reconcile.ts'
import type { TerminalView } from './repository.ts'
import {
  type MismatchJson,
  NewTerminalBody,
  ReconcileQuery,
  ReconcileResponse,
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

const tenge = (tiyn: bigint) => Number(formatTenge(tiyn))

function mismatchJson(m: Mismatch): Static<typeof MismatchJson> {
  switch (m.kind) {
    case 'amount_differs':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        terminal_amount: tenge(m.terminalAmountTiyn),
        captured_amount: tenge(m.capturedAmountTiyn),
      }
    case 'missing_transaction':
      return { kind: m.kind, terminal_id: m.terminalId, attempt_id: m.attemptId, amount: tenge(m.amountTiyn) }
    case 'missing_capture':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        amount: tenge(m.amountTiyn),
      }
    case 'missing_refund':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        attempt_id: m.attemptId,
        refund_id: m.refundId,
        refund_reference: m.reference,
        amount: tenge(m.amountTiyn),
      }
    case 'refund_amount_differs':
      return {
        kind: m.kind,
        terminal_id: m.terminalId,
        transaction_id: m.transactionId,
        attempt_id: m.attemptId,
        refund_id: m.refundId,
        terminal_amount: tenge(m.terminalAmountTiyn),
        refunded_amount: tenge(m.refundedAmountTiyn),
      }
    default:
      return { kind: m.kind, terminal_id: m.terminalId, transaction_id: m.transactionId, amount: tenge(m.amountTiyn) }
  }
}

/** The reconciliation report as the admin API and `kokdala payments reconcile` show it. */
export function reconciliationJson(report: ReconciliationReport): Static<typeof ReconcileResponse>['data'] {
  return {
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    terminals: report.terminals,
    transactions: report.transactions,
    captures: report.captures,
    refunds: report.refunds,
    unreadable: report.unreadable.map((u) => ({ terminal_id: u.terminalId, error: u.error })),
    mismatches: report.mismatches.map(mismatchJson),
  }
}

/** `/api/admin/terminals…`: operators add, list, disable and enable terminals, and reconcile their transactions. */
export const terminalRoutes: FastifyPluginAsyncTypebox<{
  admin: TerminalAdmin
  reconcile: Reconcile
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  now: () => Date
}> = async (app, { admin, reconcile, authorize, now }) => {
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
}
