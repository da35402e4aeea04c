import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { TicketsError } from '../../../errors.ts'
import { renderPaymentPage } from './page.ts'
import type { TestGatewayRepository } from './repository.ts'

/** The test-mode gateway's hosted page: "pay" and "decline" record the decision and send the buyer back. */
export const testGatewayRoutes: FastifyPluginAsyncTypebox<{ repository: TestGatewayRepository }> = async (
  app,
  { repository },
) => {
  // Browsers post the buttons' forms as urlencoded; the forms carry no fields we need.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )
  const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })

  app.get(
    '/test-gateway/pay/:id',
    {
      schema: {
        tags: ['Test gateway'],
        summary: 'Test-mode payment page',
        params: Params,
        querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('en')])) }),
      },
    },
    async (request, reply) => {
      const payment = await repository.find(request.params.id)
      if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND')
      return reply.type('text/html; charset=utf-8').send(renderPaymentPage(payment, request.query.lang ?? 'ru'))
    },
  )

  app.post(
    '/test-gateway/pay/:id/:decision',
    {
      schema: {
        tags: ['Test gateway'],
        summary: 'Pay or decline a test-mode payment',
        params: Type.Object({
          id: Type.String({ maxLength: 64 }),
          decision: Type.Union([Type.Literal('pay'), Type.Literal('decline')]),
        }),
      },
    },
    async (request, reply) => {
      const { id, decision } = request.params
      const payment = await repository.move(id, ['PENDING'], decision === 'pay' ? 'PAID' : 'FAILED')
      if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND')
      // A repeated click lands where the first one did: the recorded status decides.
      return reply.redirect(payment.status === 'PAID' ? payment.successUrl : payment.failUrl, 303)
    },
  )
}
