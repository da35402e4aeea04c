import { loadConfig } from '@kokdala/core'
import { controlRoutesEnabled, listenSettings, type RunnableSimulator, SimControlSettings } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import { buildPaymentGatewayApp, type PaymentGatewayApp, type PaymentGatewayOptions } from './app.ts'

// Whole numbers in plain digits only (no sign, exponent, fraction or spaces), at most 15 of them so the value is a
// safe integer: anything else is a typo worth stopping for, not a number to guess.
const digits = (description: string) => Type.String({ pattern: '^\\d{1,15}$', description })
const flag = (description: string) =>
  Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')], { description })

/** The simulator's environment, read with core `loadConfig` (every problem listed at start). */
export const PaymentGatewayConfig = Type.Object({
  ...listenSettings('PAYMENT_GATEWAY', 9002),
  PAYMENT_GATEWAY_PUBLIC_URL: Type.Optional(Type.String({ description: 'base of paymentURL' })),
  PAYMENT_PROCESSING_DELAY_MS: Type.Optional(
    Type.String({ pattern: '^\\d{1,7},\\d{1,7}$', description: '"min,max" card processing delay' }),
  ),
  PAYMENT_CANCEL_BROKEN: Type.Optional(flag('start with the deployed, broken cancel')),
  PAYMENT_DAILY_LIMIT: Type.Optional(digits('per-team daily limit in minor units; 0 = none')),
  PAYMENT_AUTHORIZATION_HOLD_MS: Type.Optional(
    Type.String({ pattern: '^0*[1-9]\\d{0,14}$', description: 'hold of an uncaptured authorisation, ≥ 1 ms' }),
  ),
  // A simulator: the demo credentials are public on purpose and only ever guard fake money.
  PAYMENT_TEAM_SLUG: Type.String({ default: 'kokdala' }),
  PAYMENT_TEAM_PASSWORD: Type.String({ default: 'kokdala-dev-password' }),
  PAYMENT_NOTIFICATION_URL: Type.Optional(Type.String()),
  PAYMENT_WEBHOOK_SECRET: Type.Optional(Type.String()),
  ...SimControlSettings,
})

/** Where and how the simulator runs, from environment variables (used by main.ts and `kokdala start`). */
export function paymentGatewayFromEnv(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(PaymentGatewayConfig, env)
  const port = config.PAYMENT_GATEWAY_PORT
  const host = config.PAYMENT_GATEWAY_HOST
  const publicUrl = config.PAYMENT_GATEWAY_PUBLIC_URL ?? `http://${host}:${port}`
  const options: PaymentGatewayOptions = {
    publicUrl,
    // The real gateway takes 0.5–2 s per card; PAYMENT_PROCESSING_DELAY_MS="min,max" changes it (benchmarks of our
    // own throughput set "0,0": the bank's time is not ours).
    processingDelayMs: processingDelay(config.PAYMENT_PROCESSING_DELAY_MS),
    cancelBroken:
      config.PAYMENT_CANCEL_BROKEN === undefined ? undefined : /^(1|true)$/.test(config.PAYMENT_CANCEL_BROKEN),
    // 0 turns the per-team daily limit off (a team registered with DailyPaymentLimit = null).
    dailyLimit: optionalNumber(config.PAYMENT_DAILY_LIMIT),
    authorizationHoldMs: optionalNumber(config.PAYMENT_AUTHORIZATION_HOLD_MS),
    controlRoutes: controlRoutesEnabled(config),
    teams: [
      {
        teamSlug: config.PAYMENT_TEAM_SLUG,
        password: config.PAYMENT_TEAM_PASSWORD,
        notificationUrl: config.PAYMENT_NOTIFICATION_URL,
        webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
      },
    ],
  }
  return { port, host, publicUrl, options }
}

/** The simulator as the sim-kit runner starts it (`main.ts`, `kokdala start`). */
export function paymentGatewaySimulator(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<PaymentGatewayOptions> = {},
): RunnableSimulator<PaymentGatewayApp> {
  const { port, host, publicUrl, options } = paymentGatewayFromEnv(env)
  return {
    name: 'payment gateway simulator (ТөлеуБар)',
    port,
    host,
    url: publicUrl,
    build: () => buildPaymentGatewayApp({ ...options, ...overrides }),
  }
}

function processingDelay(raw: string | undefined): [number, number] {
  if (raw === undefined) return [500, 2000]
  const [min, max] = raw.split(',').map(Number) as [number, number]
  if (max < min) throw new Error(`PAYMENT_PROCESSING_DELAY_MS must be "min,max" with min ≤ max, got ${raw}`)
  return [min, max]
}

function optionalNumber(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : Number(raw)
}
