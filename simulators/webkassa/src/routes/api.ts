import { createHash, timingSafeEqual } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { simOperation } from '@kokdala/sim-kit'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Account } from '../accounts.ts'
import { requestBody } from '../body.ts'
import { COMMITTING_OPERATIONS, type CommittingOperation, type WebkassaSimContext } from '../context.ts'
import { ERROR_TEXTS, WebkassaSimError } from '../errors.ts'
import type { WebkassaSim } from '../simulator.ts'

type Body = Record<string, unknown>

/** One v4 endpoint: its path, whether it needs a token, whether it holds its cashbox, and what it does. */
interface Endpoint {
  operation: string
  path: string
  /** Holds the cashbox while it runs: overlapping calls on one cashbox get code 9. */
  cashbox?: boolean
  run(sim: WebkassaSim, account: Account, body: Body): unknown
}

const ENDPOINTS: Endpoint[] = [
  { operation: 'check', path: '/api/v4/check', cashbox: true, run: (sim, a, b) => sim.check(a, b) },
  {
    operation: 'moneyOperation',
    path: '/api/v4/MoneyOperation',
    cashbox: true,
    run: (sim, a, b) => sim.moneyOperation(a, b),
  },
  { operation: 'xReport', path: '/api/v4/XReport', cashbox: true, run: (sim, a, b) => sim.xReport(a, b) },
  { operation: 'zReport', path: '/api/v4/ZReport', cashbox: true, run: (sim, a, b) => sim.zReport(a, b) },
  { operation: 'cashboxes', path: '/api/v4/Cashboxes', run: (sim, a) => sim.cashboxList(a) },
  { operation: 'shiftHistory', path: '/api/v4/Cashbox/ShiftHistory', run: (sim, a, b) => sim.shiftHistory(a, b) },
  { operation: 'checkHistory', path: '/api/v4/Check/History', run: (sim, a, b) => sim.checkHistory(a, b) },
  {
    operation: 'historyByNumber',
    path: '/api/v4/Check/HistoryByNumber',
    run: (sim, a, b) => sim.historyByNumber(a, b),
  },
  {
    operation: 'ticketByExternalNumber',
    path: '/api-history/v4/Ticket/GetTicketByExternalCheckNumber',
    run: (sim, a, b) => sim.ticketByExternalNumber(a, b),
  },
]

/** Webkassa's error envelope (HTTP 200 unless told otherwise). */
export function errorEnvelope(code: number, text?: string, data?: unknown) {
  return {
    ...(data === undefined ? {} : { Data: data }),
    Errors: [{ Code: code, Text: text ?? ERROR_TEXTS[code] ?? ERROR_TEXTS[-1]! }],
  }
}

function sameKey(given: string, keys: Set<string>): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  const mine = digest(given)
  let found = false
  for (const key of keys) if (timingSafeEqual(mine, digest(key))) found = true
  return found
}

/**
 * The Webkassa v4 API over HTTP: every endpoint a POST of JSON with `x-api-key`, the token in the body, answered
 * `{Data}` or HTTP 200 `{Errors}`. Before the simulator's state machine runs, a call passes the domain (code 505
 * when its host is switched off), the API key, the token, and the cashbox lock (code 9 when another call holds the
 * cashbox); after it, the commit-then-drop and malformed-answer faults apply.
 */
export function apiRoutes(ctx: WebkassaSimContext): FastifyPluginAsync {
  return async (app) => {
    /** Decides whether this successful call is recorded and then dropped. */
    function dropsAfterCommit(operation: string): boolean {
      if (!(COMMITTING_OPERATIONS as readonly string[]).includes(operation)) return false
      const pending = ctx.pendingDrops.get(operation as CommittingOperation) ?? 0
      if (pending > 0) {
        ctx.pendingDrops.set(operation as CommittingOperation, pending - 1)
        return true
      }
      const rate = ctx.kit.faults.current.commitThenDropRate
      return rate > 0 && ctx.random() < rate
    }

    function answer(reply: FastifyReply, operation: string, payload: unknown, committed: boolean) {
      if (committed && dropsAfterCommit(operation)) {
        reply.hijack()
        reply.raw.destroy()
        return reply
      }
      if (ctx.kit.faults.current.answer === 'malformed') {
        const text = JSON.stringify(payload)
        return reply
          .code(200)
          .header('content-type', 'application/json; charset=utf-8')
          .send(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
      }
      return reply.code(200).send(payload)
    }

    async function handle(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply) {
      const faults = ctx.kit.faults.current
      const host = request.headers.host ?? ''
      if (faults.unavailableHost !== '' && (faults.unavailableHost === '*' || faults.unavailableHost === host)) {
        return reply.code(200).header('AlternativeDomainNames', faults.alternativeDomainNames).send(errorEnvelope(505))
      }
      const apiKey = request.headers['x-api-key']
      if (typeof apiKey !== 'string' || !sameKey(apiKey, ctx.apiKeys)) {
        return reply.code(faults.apiKeyErrorStatus).send(errorEnvelope(faults.apiKeyErrorCode))
      }
      const body = requestBody(request.body)
      if (!body) throw new WebkassaSimError(9, 'тело запроса должно быть объектом JSON')

      if (endpoint.operation === 'authorize') return answer(reply, 'authorize', { Data: ctx.sim.authorize(body) }, true)

      const account = ctx.sim.accounts.accountOf(body.Token)
      if (!endpoint.cashbox)
        return answer(reply, endpoint.operation, { Data: endpoint.run(ctx.sim, account, body) }, false)

      const cashbox = ctx.sim.cashboxFor(account, body)
      if (cashbox.busy && faults.sequenceCheck) {
        throw new WebkassaSimError(9, 'нарушение последовательности запросов по кассе')
      }
      cashbox.busy = true
      try {
        if (faults.cashboxLatencyMs > 0) await delay(faults.cashboxLatencyMs)
        const data = endpoint.run(ctx.sim, account, body)
        return answer(reply, endpoint.operation, { Data: data }, true)
      } finally {
        cashbox.busy = false
      }
    }

    const authorize: Endpoint = { operation: 'authorize', path: '/api/v4/Authorize', run: () => undefined }
    for (const endpoint of [authorize, ...ENDPOINTS]) {
      app.post(endpoint.path, { config: simOperation(endpoint.operation) }, (request, reply) =>
        handle(endpoint, request, reply),
      )
    }
  }
}
