import { ConfigError, loadConfig, WEBHOOK_RETRY_SCHEDULE_3_DAYS, webhookSecretKey } from '@kokdala/core'
import { type Static, Type } from 'typebox'

export const PaymentsConfigSchema = Type.Object({
  PAYMENTS_PORT: Type.Integer({ default: 8081, minimum: 0, maximum: 65535 }),
  PAYMENTS_HOST: Type.String({ default: '127.0.0.1' }),
  /** Public base URL, used in links handed to customers (`payment_url`). */
  PAYMENTS_PUBLIC_URL: Type.Optional(Type.String()),
  /** PostgreSQL URL; PGlite is used when absent. */
  DATABASE_URL: Type.Optional(Type.String()),
  PAYMENTS_DATA_DIR: Type.String({ default: 'data/payments' }),
  DB_POOL_SIZE: Type.Integer({ default: 20, minimum: 1 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
  LOG_REQUESTS: Type.Boolean({ default: false }),
  /** When set, /metrics requires `Authorization: Bearer <token>`; without one it answers loopback clients only. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Requests in flight before load shedding answers 503 at once. */
  MAX_REQUESTS_IN_FLIGHT: Type.Integer({ default: 512, minimum: 1 }),
  /** The Kaspi simulator (set by `kokdala start`): its camera is the default, its history feeds reconciliation. */
  KASPI_SIMULATOR_URL: Type.Optional(Type.String()),
  /** The camera service that reads the QR off each terminal's screen (`GET <url>/scan-qr/<cameraId>`). */
  KASPI_CAMERA_URL: Type.Optional(Type.String()),
  /** Longest wait for one call to a terminal. */
  KASPI_TERMINAL_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 1 }),
  /** A terminal's lease: a customer who has not paid by then finds the payment cancelled on the terminal. */
  KASPI_LEASE_TIMEOUT_MS: Type.Integer({ default: 300_000, minimum: 1_000 }),
  /** A terminal is asked about one attempt at most this often, whatever the number of pollers. */
  KASPI_STATUS_INTERVAL_MS: Type.Integer({ default: 1_000, minimum: 100 }),
  /** How often the background poller looks for attempts nobody polls, expired leases and offline terminals. */
  KASPI_POLL_INTERVAL_MS: Type.Integer({ default: 2_000, minimum: 100 }),
  /** An unreachable terminal is skipped for this long, then tried again. */
  KASPI_OFFLINE_RETRY_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  // The daily reconciliation of the terminals' transactions (terminals module, schedule.ts).
  /** From this local time (`HH:MM`, PAYMENTS_TIMEZONE) each day, the previous local day is reconciled, once. */
  PAYMENTS_RECONCILE_AT: Type.String({ default: '04:00', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
  /** The IANA time zone of the business day (Kaspi's and the merchant's). */
  PAYMENTS_TIMEZONE: Type.String({ default: 'Asia/Almaty', minLength: 1 }),
  /** How often each process checks whether the day's reconciliation is due. */
  PAYMENTS_RECONCILE_CHECK_MS: Type.Integer({ default: 60_000, minimum: 100 }),
  // The payments module.
  /** The largest amount a payment may ask for, in whole tenge. */
  PAYMENTS_MAX_AMOUNT: Type.Integer({ default: 100_000_000, minimum: 1, maximum: 10_000_000_000_000 }),
  /** How long a new payment can be paid (the seed's expires_at is an hour after creation). */
  PAYMENTS_LIFETIME_MINUTES: Type.Integer({ default: 60, minimum: 1, maximum: 60 * 24 * 30 }),
  /** How often payments past expires_at are expired. */
  PAYMENTS_EXPIRY_SWEEP_MS: Type.Integer({ default: 5_000, minimum: 50 }),
  /**
   * How many payments' status answers each process keeps in memory until they change (≈1–2 KB each; 0: none). On
   * PostgreSQL the cache needs its LISTEN connection (one more connection per process) and is off while it is down.
   */
  PAYMENTS_STATUS_CACHE_SIZE: Type.Integer({ default: 20_000, minimum: 0 }),
  /** Requests per client address per minute on each public endpoint (GET payment, status, /kaspi); 0: no limit. */
  PAYMENTS_PUBLIC_RATE_PER_MINUTE: Type.Integer({ default: 600, minimum: 0 }),
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ default: 24, minimum: 1 }),
  // The sources module.
  /** `Authorization: Bearer …` of the admin endpoints (/api/admin/*); without it they refuse every request. */
  PAYMENTS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 200, pattern: '^[A-Za-z0-9._~+/-]+$' })),
  // The webhooks module.
  /**
   * Delays (ms, comma-separated) between a webhook's attempts; after the last the message is dead (resend it from
   * the admin API or `kokdala payments webhooks resend`). Default: twelve attempts over about 3 days.
   */
  PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS: Type.String({
    default: WEBHOOK_RETRY_SCHEDULE_3_DAYS.join(','),
    pattern: '^\\d+(,\\d+)*$',
  }),
  /** Longest wait for a merchant's answer to one attempt. */
  PAYMENTS_WEBHOOK_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  /** Webhook deliveries in flight at once per process. */
  PAYMENTS_WEBHOOK_CONCURRENCY: Type.Integer({ default: 16, minimum: 1 }),
  /**
   * Lets webhook URLs name loopback and private addresses. Off in production: a merchant's URL must not make us
   * call 169.254.169.254 or our own admin; on for `npm start` and tests, whose receivers are local.
   */
  PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.Boolean({ default: false }),
  /**
   * The fiscal feed: an operator's subscription to every payment event (the merchants' events), delivered to the
   * fiscal service's `POST /api/payment-events` and signed the Standard Webhooks way with
   * PAYMENTS_FISCAL_WEBHOOK_SECRET (`whsec_…`, the fiscal service's FISCAL_PAYMENTS_WEBHOOK_SECRET), required
   * with the URL; no URL, no feed.
   * The URL is the operator's, so it may name our own network whatever PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS says.
   */
  PAYMENTS_FISCAL_WEBHOOK_URL: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  PAYMENTS_FISCAL_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$' })),
  /**
   * This process's name in the job table: stable across restarts and unique among live processes, so a restarted
   * process takes back at once the webhook deliveries it held when it died. Default: host, port, service and
   * WORKER_INDEX.
   */
  WORKER_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The cluster worker's index (0..N−1), set by `kokdala serve --workers N` and kept when a worker is replaced. */
  WORKER_INDEX: Type.Integer({ default: 0, minimum: 0 }),
})

export type PaymentsConfig = Static<typeof PaymentsConfigSchema>

/** Reads the payments configuration from the environment; throws ConfigError listing every problem. */
export function loadPaymentsConfig(env: Record<string, string | undefined> = process.env): PaymentsConfig {
  const config = loadConfig(PaymentsConfigSchema, env)
  const problems = fiscalFeedProblems(config)
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/** The fiscal feed's URL is an http(s) URL with a usable secret beside it (never quoted in a message). */
function fiscalFeedProblems(config: PaymentsConfig): string[] {
  const url = config.PAYMENTS_FISCAL_WEBHOOK_URL
  const secret = config.PAYMENTS_FISCAL_WEBHOOK_SECRET
  // A secret without a URL sends nothing (a demo profile sets it whether or not fiscal runs beside payments).
  if (url === undefined) return []
  if (secret === undefined) return ['PAYMENTS_FISCAL_WEBHOOK_SECRET: required with PAYMENTS_FISCAL_WEBHOOK_URL']
  const problems: string[] = []
  if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) {
    problems.push('PAYMENTS_FISCAL_WEBHOOK_URL: an absolute http(s) URL')
  }
  try {
    webhookSecretKey(secret)
  } catch {
    problems.push('PAYMENTS_FISCAL_WEBHOOK_SECRET: whsec_ and the base64 of 24–64 random bytes')
  }
  return problems
}

/** The base URL customers and partners reach the service at. */
export function paymentsPublicUrl(config: PaymentsConfig): string {
  return config.PAYMENTS_PUBLIC_URL ?? `http://${config.PAYMENTS_HOST}:${config.PAYMENTS_PORT}`
}

/** The camera service: configured, or the simulator's. */
export function kaspiCameraUrl(config: PaymentsConfig): string {
  return config.KASPI_CAMERA_URL ?? `${config.KASPI_SIMULATOR_URL ?? 'http://127.0.0.1:9003'}/camera`
}
