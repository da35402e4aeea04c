import type { PaymentGatewayOptions } from './app.ts'

/** Where and how the simulator runs, from environment variables (used by main.ts and `kokdala start`). */
export function paymentGatewayFromEnv(env: Record<string, string | undefined> = process.env) {
  const port = Number(env.PAYMENT_GATEWAY_PORT ?? 9002)
  const host = env.PAYMENT_GATEWAY_HOST ?? '127.0.0.1'
  const publicUrl = env.PAYMENT_GATEWAY_PUBLIC_URL ?? `http://${host}:${port}`
  const options: PaymentGatewayOptions = {
    publicUrl,
    processingDelayMs: [500, 2000],
    teams: [
      {
        // A simulator: the demo credentials are public on purpose and only ever guard fake money.
        teamSlug: env.PAYMENT_TEAM_SLUG ?? 'kokdala',
        password: env.PAYMENT_TEAM_PASSWORD ?? 'kokdala-dev-password',
        notificationUrl: env.PAYMENT_NOTIFICATION_URL || undefined,
        webhookSecret: env.PAYMENT_WEBHOOK_SECRET || undefined,
      },
    ],
  }
  return { port, host, publicUrl, options }
}
