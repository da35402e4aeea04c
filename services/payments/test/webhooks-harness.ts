import type { PaymentsApp } from '../src/app.ts'
import type { PaymentEvent } from '../src/modules/payments/events.ts'
import { type PaymentsTestApp, startPaymentsApp } from './harness.ts'

export const WEBHOOK_ADMIN_TOKEN = 'admin-token-for-webhook-tests-0123456789'

/** A payments app whose webhooks may go to loopback receivers; background off unless asked. */
export function startPaymentsForWebhooks(
  env: Record<string, string> = {},
  { background = false } = {},
): Promise<PaymentsTestApp> {
  return startPaymentsApp({
    env: { PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ...env },
    adminToken: WEBHOOK_ADMIN_TOKEN,
    background,
  })
}

let sequence = 0

/** A payment's change as the payments module reports it, with Cyrillic text and `/` in the body. */
export function paymentEvent(
  url: string | null,
  overrides: { name?: PaymentEvent['name']; paid?: number; secret?: string | null; sourceId?: number } = {},
): PaymentEvent {
  sequence++
  const transactionId = `A3F5D9E2B${String(sequence).padStart(3, '0')}`
  const name = overrides.name ?? 'paid'
  const paid = overrides.paid ?? 57_000
  return {
    name,
    paymentId: sequence,
    transactionId,
    sourceId: overrides.sourceId ?? 1,
    webhookUrl: url,
    webhookSecret: overrides.secret === undefined ? 'your_secret_key' : overrides.secret,
    occurredAt: new Date(),
    payload: {
      event: name,
      transaction_id: transactionId,
      amount: 57_000,
      original_amount: 50_000,
      paid_amount: paid,
      actual_amount_received: paid,
      remaining_amount: 57_000 - paid,
      written_off_amount: 0,
      refunded_amount: 0,
      currency: 'KZT',
      status: name,
      description: 'Оплата тура в Дубай #12345 — 7 дней/6 ночей 🌴',
      created_at: '2026-01-13 14:30:00',
      paid_at: name === 'paid' ? '2026-01-13 14:35:00' : null,
      metadata: { order_id: '12345', tour_name: 'Дубай 7 дней', link: 'https://example.kz/orders/12345' },
      payment_method: 'kaspi_credit',
      timestamp: 0,
    },
  }
}

/** Records the events in one transaction, as the payments module does with its state change. */
export async function record(app: PaymentsApp, ...events: PaymentEvent[]): Promise<void> {
  await app.db.transaction(async (tx) => {
    for (const event of events) await app.services.webhooks.events.record(tx, event)
  })
}

/** The admin API, authorised. */
export function admin(app: PaymentsApp, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return app.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${WEBHOOK_ADMIN_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
}
