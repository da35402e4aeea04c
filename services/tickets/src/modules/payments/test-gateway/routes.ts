import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { openPage, requestLanguage, sendPage, webPages } from '@kokdala/web-kit'
import { Type } from 'typebox'
import { TicketsError } from '../../../errors.ts'
import { PaymentPage, paymentPageText } from './page.ts'
import type { TestGatewayRepository } from './repository.ts'

/** The test-mode gateway's hosted page: "pay" and "decline" record the decision and send the buyer back. */
export const testGatewayRoutes: FastifyPluginAsyncTypebox<{ repository: TestGatewayRepository }> = async (
  app,
  { repository },
) => {
  // Security headers, and the buttons' urlencoded posts (their forms carry no fields we need).
  await app.register(webPages)
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
      // Russian unless the buyer switched: a gateway's page follows the merchant's language, not the browser's.
      const lang = requestLanguage(request, reply, { sources: ['query', 'cookie'] })
      return sendPage(reply, PaymentPage({ page: openPage(reply, paymentPageText, lang), payment }))
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
