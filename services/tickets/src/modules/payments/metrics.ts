import { Counter, Gauge, type Registry } from 'prom-client'
import type { PaymentRecords } from './records.ts'
import type { PaymentService } from './service.ts'

export interface PaymentMetricsOptions {
  payments: PaymentService
  records: PaymentRecords
  /** The gateway team's daily limit in tiyn; 0 = none (then only the initiated sum is published). */
  dailyLimit: bigint
}

/**
 * Publishes what an operator needs to see coming before buyers do: how much of the gateway's daily limit is left by
 * our own ledger (it outlives resets, as the gateway's counter does), and what became of payment notifications.
 */
export function registerPaymentMetrics(registry: Registry, { payments, records, dailyLimit }: PaymentMetricsOptions) {
  // A database that cannot answer must not take the other metrics down with it: the last values stay.
  const budget = () => records.gatewayBudget(dailyLimit).catch(() => undefined)
  new Gauge({
    name: 'payment_gateway_daily_initiated_tiyn',
    help: 'Amounts initiated at the payment gateway today (UTC day), tiyn, by our ledger',
    registers: [registry],
    async collect() {
      const today = await budget()
      if (today) this.set(Number(today.initiated))
    },
  })
  if (dailyLimit > 0n) {
    new Gauge({
      name: 'payment_gateway_daily_budget_remaining_tiyn',
      help: 'What is left today (UTC day) of the gateway team’s daily limit, tiyn; 0 means new payments are refused',
      registers: [registry],
      async collect() {
        const today = await budget()
        if (today) this.set(Number(today.remaining ?? 0n))
      },
    })
  }
  new Counter({
    name: 'payment_notifications_total',
    help:
      'Payment notifications by outcome: checked (the gateway asked, unless our records show the payment settled), ' +
      'unknown payment, dropped over the budget of unsigned hints',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [outcome, n] of Object.entries(payments.notificationStats())) this.inc({ outcome }, n)
    },
  })
}
