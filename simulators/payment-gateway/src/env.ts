import type { PaymentGatewayOptions } from './app.ts'

/** Where and how the simulator runs, from environment variables (used by main.ts and `kokdala start`). */
export function paymentGatewayFromEnv(env: Record<string, string | undefined> = process.env) {
  const port = Number(env.PAYMENT_GATEWAY_PORT ?? 9002)
  const host = env.PAYMENT_GATEWAY_HOST ?? '127.0.0.1'
  const publicUrl = env.PAYMENT_GATEWAY_PUBLIC_URL ?? `http://${host}:${port}`
  const options: PaymentGatewayOptions = {
    publicUrl,
    // The real gateway takes 0.5–2 s per card; PAYMENT_PROCESSING_DELAY_MS="min,max" changes it (benchmarks of our
    // own throughput set "0,0": the bank's time is not ours).
    processingDelayMs: processingDelay(env.PAYMENT_PROCESSING_DELAY_MS),
    cancelBroken: flag('PAYMENT_CANCEL_BROKEN', env.PAYMENT_CANCEL_BROKEN),
    // 0 turns the per-team daily limit off (a team registered with DailyPaymentLimit = null).
    dailyLimit: integer('PAYMENT_DAILY_LIMIT', env.PAYMENT_DAILY_LIMIT, 0),
    authorizationHoldMs: integer('PAYMENT_AUTHORIZATION_HOLD_MS', env.PAYMENT_AUTHORIZATION_HOLD_MS, 1),
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

function processingDelay(raw: string | undefined): [number, number] {
  if (!raw) return [500, 2000]
  const [min, max] = raw.split(',').map(Number)
  if (!(min >= 0 && max >= min)) throw new Error(`PAYMENT_PROCESSING_DELAY_MS must be "min,max" in ms, got ${raw}`)
  return [min, max]
}

/** `1`/`true` or `0`/`false`; unset or empty means the default. Anything else is a typo worth stopping for. */
function flag(name: string, raw: string | undefined): boolean | undefined {
  if (!raw) return undefined
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new Error(`${name} must be 1 or 0, got ${raw}`)
}

/** A whole number written in plain digits (no sign, exponent or fraction), at least `min`; unset or empty = default. */
function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (!raw) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`)
  }
  return value
}
