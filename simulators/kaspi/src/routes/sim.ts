import { KASPI_PRODUCT_TYPES } from '@kokdala/kaspi'
import { controlBody } from '@kokdala/sim-kit'
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import type { KaspiSimContext } from '../context.ts'
import { ControlError } from '../errors.ts'
import { processView, type Terminal, terminalView } from '../terminals.ts'

const Amount = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 })

const NewTerminal = Type.Object(
  { id: Type.String({ maxLength: 64 }), accessToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
)
const Pay = Type.Object(
  {
    productType: Type.Optional(Type.Union(KASPI_PRODUCT_TYPES.map((value) => Type.Literal(value)))),
    loanTerm: Type.Optional(Type.Integer({ minimum: 1, maximum: 120 })),
    /** Pay this many whole tenge instead of the amount asked. */
    amount: Type.Optional(Amount),
    /** The terminal reports `unknown` until asked to actualize. */
    unknown: Type.Optional(Type.Boolean()),
    /** The status leaves `data.amount` out; only the cheque's formatted amount tells it. */
    omitAmount: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const WalkAway = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('wait'), Type.Literal('unknown')])) },
  { additionalProperties: false },
)
const Latency = Type.Object(
  { latencyMs: Type.Integer({ minimum: 0, maximum: 600_000 }) },
  { additionalProperties: false },
)
const Empty = Type.Object({}, { additionalProperties: false })

/**
 * The simulator's own controls under `/__sim/terminals`: add and list terminals, act as the customer (pay, pay
 * otherwise, decline, walk away, confirm a refund), take a terminal off the network, slow it down, and list what it
 * took (the reconciliation's view). Guarded like the kit's control routes.
 */
export function controlRoutes(ctx: KaspiSimContext): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler((error: FastifyError | ControlError, request, reply: FastifyReply) => {
      if (error instanceof ControlError) {
        return reply.code(error.httpStatus).send({ error: { code: error.code, message: error.message } })
      }
      const status = (error as FastifyError).statusCode ?? 500
      if (status >= 400 && status < 500) {
        return reply
          .code(status)
          .send({ error: { code: (error as FastifyError).code ?? 'BAD_REQUEST', message: error.message } })
      }
      request.log.error({ err: error }, 'control route failed')
      return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } })
    })

    function terminalOf(id: string): Terminal {
      const terminal = ctx.store.terminal(id)
      if (!terminal) throw new ControlError(404, 'UNKNOWN_TERMINAL', `no terminal ${JSON.stringify(id.slice(0, 64))}`)
      return terminal
    }

    type ById = { Params: { id: string } }
    const byId = '/__sim/terminals/:id'

    app.get('/__sim/terminals', async () => ({ terminals: ctx.store.list().map(terminalView) }))

    app.post('/__sim/terminals', async (request, reply) => {
      const { id, accessToken } = controlBody<{ id: string; accessToken?: string }>(NewTerminal, request.body)
      return reply.code(201).send(terminalView(ctx.store.add(id, accessToken)))
    })

    app.get<ById>(byId, async (request) => terminalView(terminalOf(request.params.id)))

    app.post<ById>(`${byId}/pay`, async (request) => {
      const input = controlBody<Parameters<typeof ctx.store.pay>[1]>(Pay, request.body)
      return processView(ctx.store.pay(terminalOf(request.params.id), input))
    })

    app.post<ById>(`${byId}/fail`, async (request) => {
      controlBody(Empty, request.body)
      return processView(ctx.store.fail(terminalOf(request.params.id)))
    })

    app.post<ById>(`${byId}/walk-away`, async (request) => {
      const { status } = controlBody<{ status?: 'wait' | 'unknown' }>(WalkAway, request.body)
      return processView(ctx.store.walkAway(terminalOf(request.params.id), status ?? 'wait'))
    })

    app.post<ById>(`${byId}/confirm-refund`, async (request) => {
      controlBody(Empty, request.body)
      return processView(ctx.store.confirmRefund(terminalOf(request.params.id)))
    })

    for (const [action, online] of [
      ['offline', false],
      ['online', true],
    ] as const) {
      app.post<ById>(`${byId}/${action}`, async (request) => {
        controlBody(Empty, request.body)
        const terminal = terminalOf(request.params.id)
        terminal.online = online
        return terminalView(terminal)
      })
    }

    app.post<ById>(`${byId}/latency`, async (request) => {
      const { latencyMs } = controlBody<{ latencyMs: number }>(Latency, request.body)
      const terminal = terminalOf(request.params.id)
      terminal.latencyMs = latencyMs
      return terminalView(terminal)
    })

    app.get<ById>(`${byId}/transactions`, async (request) => {
      const terminal = terminalOf(request.params.id)
      return { terminalId: terminal.id, transactions: terminal.transactions }
    })
  }
}
