import { Type } from 'typebox'
import { PAYMENT_STATUSES } from './state.ts'

/** An amount as integrators send it: a JSON number or a numeric string of tenge, at most two decimals. */
export const AmountInput = Type.Union([Type.Number(), Type.String({ maxLength: 40 })], {
  description: 'Тенге: число или строка, не более двух знаков после запятой, больше 0',
})

const Money = (description: string) => Type.Number({ description: `${description}, тенге` })
const SeedTime = Type.String({ description: 'YYYY-MM-DD HH:MM:SS, время Казахстана (UTC+5)' })
const Status = Type.String({ enum: [...PAYMENT_STATUSES] })

export const TransactionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: '12-символьный transaction_id' }),
})

export const InitBody = Type.Object({
  amount: AmountInput,
  currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3, description: 'KZT' })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  customer_name: Type.Optional(Type.String({ maxLength: 200 })),
  customer_phone: Type.Optional(Type.String({ maxLength: 32 })),
  customer_email: Type.Optional(Type.String({ maxLength: 254 })),
  payment_method_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 32_767 })),
  webhook_url: Type.Optional(Type.String({ maxLength: 2048 })),
  webhook_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  metadata: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 100 })),
})

export const InitResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({
    transaction_id: Type.String(),
    amount: Money('Сумма к оплате'),
    currency: Type.String(),
    status: Status,
    expires_at: SeedTime,
  }),
})

/** What anyone with the id may see: never the customer's name, phone or e-mail, nor the webhook settings. */
export const PaymentView = Type.Object({
  transaction_id: Type.String(),
  amount: Money('Сумма в деньгах выбранного способа (с комиссией)'),
  original_amount: Money('Сумма без комиссии'),
  currency: Type.String(),
  status: Status,
  description: Type.Union([Type.String(), Type.Null()]),
  payment_method: Type.Union([Type.String(), Type.Null()], { description: 'Последний выбранный способ' }),
  payment_url: Type.Union([Type.String(), Type.Null()]),
  qr_code: Type.Union([Type.String(), Type.Null()]),
  paid_amount: Money('Оплачено'),
  actual_amount_received: Money('Получено продавцом'),
  remaining_amount: Money('Осталось оплатить'),
  written_off_amount: Money('Остаток, списанный по допуску'),
  refunded_amount: Money('Возвращено'),
  created_at: SeedTime,
  paid_at: Type.Union([SeedTime, Type.Null()]),
  expires_at: SeedTime,
})

export const PaymentResponse = Type.Object({ success: Type.Literal(true), data: PaymentView })

export const StatusResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    transaction_id: Type.String(),
    status: Status,
    amount: Money('Сумма в деньгах выбранного способа'),
    original_amount: Money('Сумма без комиссии'),
    paid_amount: Money('Оплачено'),
    actual_amount_received: Money('Получено продавцом'),
    remaining_amount: Money('Осталось оплатить'),
    written_off_amount: Money('Списано по допуску'),
    refunded_amount: Money('Возвращено'),
  }),
})

export const KaspiBody = Type.Object({
  payment_method: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'kaspi_gold, kaspi_red, kaspi_kredit, kaspi_rassrochka (или kaspi_credit, kaspi_installment_12/24)',
  }),
})

export const KaspiResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({
    transaction_id: Type.String(),
    amount: Money('К оплате на терминале (целые тенге)'),
    original_amount: Money('Оплачиваемый остаток без комиссии'),
    commission_amount: Money('Комиссия'),
    commission_percent: Type.Number(),
    payment_method: Type.String(),
    payment_url: Type.String(),
    qr_code: Type.String(),
    terminal_id: Type.Integer(),
  }),
})

export const CancelResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({ transaction_id: Type.String(), status: Status }),
})

export const RefundBody = Type.Object({
  amount: Type.Optional(AmountInput),
})

export const RefundResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({
    transaction_id: Type.String(),
    status: Status,
    paid_amount: Money('Оплачено после возврата'),
    refunded_amount: Money('Возвращено всего'),
  }),
})
