import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { seedErrorResponses } from '../../envelope.ts'
import type { PaymentMethodRow } from './repository.ts'
import { ActiveMethodsResponse, type PaymentMethodView } from './schemas.ts'
import type { MethodService } from './service.ts'

/** A stored method in the seed's shape: the commission as a percentage, on the credit or installment field. */
export function methodView(method: PaymentMethodRow): Static<typeof PaymentMethodView> {
  const percent = method.commissionBp / 100
  return {
    id: method.id,
    code: method.code,
    name: method.name,
    type: method.type,
    provider: 'kaspi',
    country_id: 1,
    payment_currency: 'KZT',
    icon_emoji: method.iconEmoji,
    commission_percent: method.type === 'card' ? percent : 0,
    has_credit: method.type === 'credit',
    credit_commission_percent: method.type === 'credit' ? percent : 0,
    has_installment: method.type === 'installment',
    installment_months: method.installmentMonths,
    installment_commission_percent: method.type === 'installment' ? percent : 0,
    add_commission_to_amount: method.commissionBp > 0,
  }
}

/** `GET /api/payment-methods/active` — public, as in the seed. */
export const methodRoutes: FastifyPluginAsyncTypebox<{ methods: MethodService }> = async (app, { methods }) => {
  app.get(
    '/api/payment-methods/active',
    {
      schema: {
        operationId: 'ListActivePaymentMethods',
        tags: ['Payment methods'],
        summary: 'Способы оплаты',
        response: { 200: ActiveMethodsResponse, ...seedErrorResponses(429) },
      },
    },
    async () => ({ success: true as const, data: (await methods.active()).map(methodView) }),
  )
}
