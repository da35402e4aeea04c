import { bindRuntime, createRuntime, defineService } from '@kokdala/core'
import { buildPaymentGatewayApp } from './app.ts'
import { paymentGatewayFromEnv } from './env.ts'

type PaymentGatewayConfig = ReturnType<typeof paymentGatewayFromEnv>

/** The ТөлеуБар payment gateway simulator as the platform's tools see it; it keeps its state in memory. */
export const paymentGatewayService = defineService<PaymentGatewayConfig>({
  name: 'payment-gateway',
  role: 'simulator',
  loadConfig: (env) => paymentGatewayFromEnv(env),
  address: ({ host, port, publicUrl }) => ({ host, port, url: publicUrl }),
  portVariable: 'PAYMENT_GATEWAY_PORT',
  /**
   * A service started beside it pays through it, as the simulator's own team (its demo credentials unless the
   * environment names one), and receives its signed notifications.
   */
  wire(env, started) {
    const { publicUrl, options } = paymentGatewayFromEnv(env)
    const [team] = options.teams
    env.PAYMENT_GATEWAY ??= 'toleubar'
    env.PAYMENT_GATEWAY_URL ??= publicUrl
    env.PAYMENT_TEAM_SLUG ??= team.teamSlug
    env.PAYMENT_TEAM_PASSWORD ??= team.password
    // A simulator's secret: public on purpose, it only ever guards fake money.
    env.PAYMENT_WEBHOOK_SECRET ??= 'kokdala-dev-webhook-secret'
    if (started.has('tickets')) {
      const tickets = `http://${env.TICKETS_HOST ?? '127.0.0.1'}:${env.TICKETS_PORT ?? 8080}`
      env.PAYMENT_NOTIFICATION_URL ??= `${tickets}/api/payments/notifications`
    }
  },
  async build({ config }) {
    const app = await buildPaymentGatewayApp(config.options)
    const runtime = createRuntime(app.log)
    bindRuntime(app, runtime)
    return { app, runtime }
  },
  describe: ({ publicUrl }) => [`${publicUrl}/api/v1/PaymentInit/init   faults ${publicUrl}/__sim/faults`],
})
