import { Type } from 'typebox'

/** A payment method in the seed's shape (`GET /api/payment-methods/active`). */
export const PaymentMethodView = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  type: Type.String({ enum: ['card', 'credit', 'installment'] }),
  provider: Type.String(),
  country_id: Type.Integer(),
  payment_currency: Type.String(),
  icon_emoji: Type.String(),
  commission_percent: Type.Number(),
  has_credit: Type.Boolean(),
  credit_commission_percent: Type.Number(),
  has_installment: Type.Boolean(),
  installment_months: Type.Union([Type.String(), Type.Null()]),
  installment_commission_percent: Type.Number(),
  add_commission_to_amount: Type.Boolean(),
})

export const ActiveMethodsResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(PaymentMethodView),
})
