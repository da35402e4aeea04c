import { defineService } from '@kokdala/core'
import { buildPaymentsApp, openPaymentsDatabase, paymentsMigrations } from './app.ts'
import { loadPaymentsConfig, type PaymentsConfig, paymentsPublicUrl } from './config.ts'
import { createSources, seedDemoSource } from './modules/sources/module.ts'

/** The payment center as the platform's tools see it (`kokdala start|serve payments`). */
export const paymentsService = defineService<PaymentsConfig>({
  name: 'payments',
  role: 'service',
  loadConfig: loadPaymentsConfig,
  address: (config) => ({ host: config.PAYMENTS_HOST, port: config.PAYMENTS_PORT, url: paymentsPublicUrl(config) }),
  portVariable: 'PAYMENTS_PORT',
  migrations: paymentsMigrations,
  openDatabase: openPaymentsDatabase,
  // The demo source's token is printed once, on the first start: only its hash is kept.
  seed: {
    isSeeded: (db) => createSources(db).sources.exists('demo'),
    demo: (db) => seedDemoSource(db),
    full: (db) => seedDemoSource(db),
  },
  profiles: {
    demo: {
      // `kokdala start` is for trying things on one machine: a merchant's test receiver there is on localhost.
      PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      // The fiscal feed's demo secret: the fiscal service's demo FISCAL_PAYMENTS_WEBHOOK_SECRET (one shared value).
      PAYMENTS_FISCAL_WEBHOOK_SECRET: 'whsec_ZGVtby1maXNjYWwtZmVlZC1zZWNyZXQtMzItYnl0ZXM=',
    },
  },
  /**
   * With fiscal started beside it, every payment event also goes to fiscal's `/api/payment-events` (the feed's
   * URL follows FISCAL_PORT); without fiscal, or without a secret to sign with (no demo profile), no feed.
   */
  wire(env, started) {
    if (started.has('fiscal') && env.PAYMENTS_FISCAL_WEBHOOK_SECRET !== undefined) {
      env.PAYMENTS_FISCAL_WEBHOOK_URL ??= `http://127.0.0.1:${env.FISCAL_PORT ?? 8082}/api/payment-events`
    }
  },
  async build({ config, db }) {
    const { app, runtime } = await buildPaymentsApp({ config, db })
    return { app, runtime }
  },
  describe(config) {
    const url = paymentsPublicUrl(config)
    return [`${url}/api/payment-methods/active   docs ${url}/docs   metrics ${url}/metrics`]
  },
})
