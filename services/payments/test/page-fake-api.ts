import Fastify from 'fastify'
import { paymentPageRoutes } from '../src/modules/page/routes.ts'

/**
 * A stand-in for the payments module's public endpoints, in the seed's shapes (`GET /api/payment/{id}`,
 * `GET /api/payment/{id}/status`, `POST /api/payment/{id}/kaspi`, `GET /api/payment-methods/active`), with the real
 * payment page registered beside it. The page reaches it by the real paths, so the same page code runs against the
 * payments module once it lands. Tests set a payment's state directly (`set`), as the terminal would move it.
 */

export type FakePayment = Record<string, unknown> & { transaction_id: string; status: string }

/** The seed's methods, as `GET /api/payment-methods/active` gives them. */
export const SEED_METHODS = [
  method(1, 'kaspi_gold', 'Kaspi Gold', 'card', '💳', 0, null),
  method(2, 'kaspi_red', 'Kaspi Red', 'card', '💳', 0, null),
  method(3, 'kaspi_kredit', 'Kaspi Кредит', 'credit', '💰', 14, null),
  method(4, 'kaspi_rassrochka', 'Kaspi Рассрочка', 'installment', '📅', 14, '3,6,12'),
]

function method(
  id: number,
  code: string,
  name: string,
  type: string,
  icon: string,
  percent: number,
  months: string | null,
) {
  return {
    id,
    code,
    name,
    type,
    provider: 'kaspi',
    country_id: 1,
    payment_currency: 'KZT',
    icon_emoji: icon,
    commission_percent: type === 'card' ? percent : 0,
    has_credit: type === 'credit',
    credit_commission_percent: type === 'credit' ? percent : 0,
    has_installment: type === 'installment',
    installment_months: months,
    installment_commission_percent: type === 'installment' ? percent : 0,
    add_commission_to_amount: percent > 0,
  }
}

/** A pending payment as `GET /api/payment/{id}` shows it, with the customer's data the page must never show. */
export function pendingPayment(id: string, amount: number, description: string): FakePayment {
  return {
    transaction_id: id,
    amount,
    original_amount: amount,
    currency: 'KZT',
    status: 'pending',
    description,
    payment_url: `http://127.0.0.1/pay/${id}`,
    qr_code: null,
    paid_amount: 0,
    remaining_amount: amount,
    written_off_amount: 0,
    created_at: '2026-12-03 10:00:00',
    paid_at: null,
    expires_at: '2026-12-03 11:00:00',
    // Not in the seed's GET, but an API that leaked them must still not get them onto the page.
    customer_name: 'Иванов Иван Иванович',
    customer_phone: '+77001234567',
    customer_email: 'ivan@example.com',
  }
}

const notFound = { success: false, message: 'Транзакция не найдена', error_code: 404, code: 'PAYMENT_NOT_FOUND' }

export async function startFakePayments() {
  const payments = new Map<string, FakePayment>()
  const kaspiCalls: Array<{ id: string; body: unknown; idempotencyKey?: string }> = []
  let kaspiRefusal: { status: number; body: object } | undefined
  let broken: 'failing' | 'limiting' | false = false

  const app = Fastify()
  app.addHook('onRequest', async (request, reply) => {
    if (broken === 'failing' && request.url.startsWith('/api/')) {
      return reply.status(500).send({ success: false, message: 'Внутренняя ошибка сервера', error_code: 500 })
    }
    if (broken === 'limiting' && request.url.startsWith('/api/')) {
      const body = { success: false, message: 'Слишком много запросов', error_code: 429, code: 'RATE_LIMITED' }
      return reply.status(429).send(body)
    }
  })

  app.get<{ Params: { id: string } }>('/api/payment/:id', async (request, reply) => {
    const payment = payments.get(request.params.id)
    if (!payment) return reply.status(404).send(notFound)
    return { success: true, data: payment }
  })

  app.get<{ Params: { id: string } }>('/api/payment/:id/status', async (request, reply) => {
    const payment = payments.get(request.params.id)
    if (!payment) return reply.status(404).send(notFound)
    const { transaction_id, status, amount, paid_amount, remaining_amount } = payment
    return { success: true, data: { transaction_id, status, amount, paid_amount, remaining_amount } }
  })

  app.post<{ Params: { id: string }; Body: { payment_method?: string } }>(
    '/api/payment/:id/kaspi',
    async (request, reply) => {
      const payment = payments.get(request.params.id)
      if (!payment) return reply.status(404).send(notFound)
      const idempotencyKey = request.headers['idempotency-key']
      kaspiCalls.push({ id: payment.transaction_id, body: request.body, idempotencyKey: idempotencyKey as string })
      if (kaspiRefusal) return reply.status(kaspiRefusal.status).send(kaspiRefusal.body)
      const chosen = SEED_METHODS.find((m) => m.code === request.body?.payment_method)
      if (!chosen) {
        return reply.status(400).send({ success: false, message: 'Неверный способ оплаты', error_code: 400 })
      }
      const percent = chosen.credit_commission_percent + chosen.installment_commission_percent
      const due = Number(payment.remaining_amount)
      const charge = Math.ceil((due * (100 + percent)) / 100)
      const attempt = kaspiCalls.length
      // As the seed shows it: what is owed is now stated in the chosen method's gross.
      Object.assign(payment, {
        amount: Number(payment.paid_amount) + charge,
        remaining_amount: charge,
        status: 'processing',
        payment_method: chosen.code,
        qr_code: `https://qr.kaspi.kz/${payment.transaction_id}-${attempt}`,
        payment_url: `https://pay.kaspi.kz/pay/${payment.transaction_id}-${attempt}`,
      })
      return {
        success: true,
        message: 'Платеж инициирован',
        data: {
          transaction_id: payment.transaction_id,
          amount: charge,
          original_amount: due,
          commission_amount: charge - due,
          commission_percent: percent,
          payment_url: payment.payment_url,
          qr_code: payment.qr_code,
          terminal_id: 1,
        },
      }
    },
  )

  app.get('/api/payment-methods/active', async () => ({ success: true, data: SEED_METHODS }))

  await app.register(paymentPageRoutes)

  return {
    app,
    kaspiCalls,
    add(payment: FakePayment) {
      payments.set(payment.transaction_id, payment)
      return payment
    },
    /** Moves a payment as the terminal or the expiry would. */
    set(id: string, patch: Partial<FakePayment>) {
      Object.assign(payments.get(id) ?? {}, patch)
    },
    /** The next `/kaspi` calls answer this (the seed's "all terminals busy", say) until cleared. */
    refuseKaspi(refusal: { status: number; body: object } | undefined) {
      kaspiRefusal = refusal
    },
    /** Every API call answers 500 ('failing') or 429 ('limiting'), until set back to false. */
    breakApi(value: 'failing' | 'limiting' | false) {
      broken = value
    },
  }
}
