import { createHash, timingSafeEqual } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { KASPI_REFUND_METHODS, type KaspiRefundMethod } from '@kokdala/kaspi'
import { simOperation } from '@kokdala/sim-kit'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { KaspiSimContext } from '../context.ts'
import { TerminalError } from '../errors.ts'
import { parseWholeTenge, type Terminal } from '../terminals.ts'

const Params = Type.Object({ terminalId: Type.String({ maxLength: 200 }) })
const ProcessQuery = Type.Object({ processId: Type.Optional(Type.String({ maxLength: 200 })) })
const PaymentQuery = Type.Object({ amount: Type.Optional(Type.String({ maxLength: 64 })) })
const RefundQuery = Type.Object({
  method: Type.Optional(Type.String({ maxLength: 64 })),
  amount: Type.Optional(Type.String({ maxLength: 64 })),
  transactionId: Type.Optional(Type.String({ maxLength: 200 })),
})

/** Any answer of the terminal: `{statusCode, errorText?, data?}` (refusals are thrown as TerminalError). */
const Envelope = Type.Object({
  statusCode: Type.Integer(),
  errorText: Type.Optional(Type.String()),
  data: Type.Optional(Type.Unknown()),
})
const responses = { 200: Envelope, '4xx': Envelope }

const PREFIX = '/terminals/:terminalId/v2'

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

function processIdOf(query: { processId?: string }): string {
  if (!query.processId) throw new TerminalError('BAD_REQUEST', 'processId is required', 400)
  return query.processId
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The terminal this request addresses, found by the `terminal` hook. */
    kaspiTerminal?: Terminal
  }
}

/**
 * The Kaspi Smart POS local API of every simulated terminal, by path: `/terminals/<id>/v2/…`, each a GET without a
 * body answered in the `{statusCode, errorText, data}` envelope. Refund and deviceinfo check `accesstoken`.
 */
export function terminalRoutes(ctx: KaspiSimContext): FastifyPluginAsync {
  return async (app) => {
    /**
     * Finds the terminal, then behaves as its network does: an offline terminal never answers (the connection is
     * cut), a slow one answers late, and the `answer` fault makes it answer garbage or nothing readable.
     */
    async function reach(request: FastifyRequest, reply: FastifyReply) {
      const { terminalId } = request.params as { terminalId: string }
      const terminal = ctx.store.terminal(terminalId)
      if (!terminal) throw new TerminalError('NO_TERMINAL', terminalId.slice(0, 64), 404)
      if (terminal.latencyMs > 0) await delay(terminal.latencyMs)
      if (!terminal.online) {
        reply.hijack()
        reply.raw.destroy()
        return reply
      }
      const answer = ctx.kit.faults.current.answer
      if (answer === 'empty') return reply.code(200).header('content-type', 'application/json').send('')
      if (answer === 'garbage') return reply.code(200).header('content-type', 'text/html').send('<html>502</html>')
      request.kaspiTerminal = terminal
    }

    function authorised(request: FastifyRequest) {
      const terminal = request.kaspiTerminal!
      if (!sameToken(request.headers.accesstoken, terminal.accessToken)) {
        throw new TerminalError('ACCESS_DENIED', undefined, 401)
      }
    }

    const common = { preHandler: reach }

    app.get<{ Params: { terminalId: string }; Querystring: { amount?: string } }>(
      `${PREFIX}/payment`,
      {
        ...common,
        config: simOperation('payment'),
        schema: { params: Params, querystring: PaymentQuery, response: responses },
      },
      async (request) => {
        const amount = parseWholeTenge(request.query.amount)
        if (amount === undefined) throw new TerminalError('BAD_REQUEST', 'amount must be whole tenge > 0', 400)
        const process = ctx.store.startPayment(request.kaspiTerminal!, amount)
        return { statusCode: 0, data: { processId: process.processId } }
      },
    )

    for (const [operation, actualize] of [
      ['status', false],
      ['actualize', true],
    ] as const) {
      app.get<{ Params: { terminalId: string }; Querystring: { processId?: string } }>(
        `${PREFIX}/${operation}`,
        {
          ...common,
          config: simOperation(operation),
          schema: { params: Params, querystring: ProcessQuery, response: responses },
        },
        async (request) => ({
          statusCode: 0,
          data: ctx.store.status(request.kaspiTerminal!, processIdOf(request.query), actualize),
        }),
      )
    }

    app.get<{ Params: { terminalId: string }; Querystring: { processId?: string } }>(
      `${PREFIX}/cancel`,
      {
        ...common,
        config: simOperation('cancel'),
        schema: { params: Params, querystring: ProcessQuery, response: responses },
      },
      async (request) => {
        ctx.store.cancel(request.kaspiTerminal!, processIdOf(request.query))
        return { statusCode: 0 }
      },
    )

    app.get<{
      Params: { terminalId: string }
      Querystring: { method?: string; amount?: string; transactionId?: string }
    }>(
      `${PREFIX}/refund`,
      {
        ...common,
        config: simOperation('refund'),
        schema: { params: Params, querystring: RefundQuery, response: responses },
      },
      async (request) => {
        authorised(request)
        const { method, transactionId } = request.query
        if (!(KASPI_REFUND_METHODS as readonly unknown[]).includes(method)) {
          throw new TerminalError('BAD_REQUEST', 'method must be qr, card or alaqan', 400)
        }
        const amount = parseWholeTenge(request.query.amount)
        if (amount === undefined) throw new TerminalError('BAD_REQUEST', 'amount must be whole tenge > 0', 400)
        if (!transactionId) throw new TerminalError('BAD_REQUEST', 'transactionId is required', 400)
        const process = ctx.store.refund(request.kaspiTerminal!, {
          method: method as KaspiRefundMethod,
          amount,
          transactionId,
        })
        return { statusCode: 0, data: { processId: process.processId } }
      },
    )

    app.get<{ Params: { terminalId: string } }>(
      `${PREFIX}/deviceinfo`,
      { ...common, config: simOperation('deviceinfo'), schema: { params: Params, response: responses } },
      async (request) => {
        authorised(request)
        const terminal = request.kaspiTerminal!
        return {
          statusCode: 0,
          data: {
            serialNumber: `SIM-${terminal.id}`,
            posNumber: terminal.id,
            model: 'Kaspi Smart POS (simulator)',
            softwareVersion: 'sim-1',
            busy: terminal.current !== undefined,
          },
        }
      },
    )
  }
}
