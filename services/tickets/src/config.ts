import { ConfigError, loadConfig } from '@kokdala/core'
import { type Static, Type } from 'typebox'

export const TicketsConfigSchema = Type.Object({
  TICKETS_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  TICKETS_HOST: Type.String({ default: '127.0.0.1' }),
  /** Public base URL, used in links handed to browsers (payment redirects). */
  TICKETS_PUBLIC_URL: Type.Optional(Type.String()),
  /** PostgreSQL URL; PGlite is used when absent. */
  DATABASE_URL: Type.Optional(Type.String()),
  TICKETS_DATA_DIR: Type.String({ default: 'data/tickets' }),
  DB_POOL_SIZE: Type.Integer({ default: 20, minimum: 1 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
  LOG_REQUESTS: Type.Boolean({ default: false }),
  /** Unpaid bookings free their seats after this many seconds. */
  RESERVATION_TIMEOUT_SECONDS: Type.Integer({ default: 900, minimum: 1 }),
  EXPIRY_SWEEP_INTERVAL_MS: Type.Integer({ default: 5_000, minimum: 10 }),
  MAX_SEATS_PER_BOOKING: Type.Integer({ default: 10, minimum: 1 }),
  /**
   * Open = CREATED or PAYMENT_INITIATED. The HackLoad booking test opens about a thousand single-seat bookings
   * per user inside one reservation window, so the default leaves room for that while still stopping one
   * account from holding the hall.
   */
  MAX_OPEN_BOOKINGS_PER_USER: Type.Integer({ default: 1_000, minimum: 1 }),
  /** Paid bookings can be cancelled (refunded) only this long before the event starts. */
  REFUND_CUTOFF_HOURS: Type.Integer({ default: 12, minimum: 0 }),
  /** `test` serves its own payment page inside this service; `toleubar` is the ТөлеуБар gateway over HTTP. */
  PAYMENT_GATEWAY: Type.Union([Type.Literal('test'), Type.Literal('toleubar')], { default: 'test' }),
  /** ТөлеуБар API base, e.g. http://127.0.0.1:9002 (the simulator) or https://hub.hackload.kz/payment-provider/common. */
  PAYMENT_GATEWAY_URL: Type.Optional(Type.String()),
  /** Base of the hosted form links when it differs from the API base (the real gateway's Api:BaseUrl). */
  PAYMENT_FORM_URL: Type.Optional(Type.String()),
  PAYMENT_TEAM_SLUG: Type.Optional(Type.String()),
  PAYMENT_TEAM_PASSWORD: Type.Optional(Type.String()),
  /** When set, gateway webhooks must be signed with it (X-Webhook-Signature). */
  PAYMENT_WEBHOOK_SECRET: Type.Optional(Type.String()),
  PAYMENT_GATEWAY_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 1 }),
  /** Event 1's seats live at this Event Provider when set; otherwise event 1 is a local hall like the others. */
  EVENT_PROVIDER_URL: Type.Optional(Type.String()),
  EVENT_PROVIDER_TIMEOUT_MS: Type.Integer({ default: 3_000, minimum: 1 }),
  /** Circuit breakers open after this many consecutive failures and probe again after the reset time. */
  BREAKER_FAILURE_THRESHOLD: Type.Integer({ default: 5, minimum: 1 }),
  BREAKER_RESET_MS: Type.Integer({ default: 2_000, minimum: 1 }),
  /**
   * Delays (ms, comma-separated) between retries of a booking's saga; after the last the booking is cancelled.
   * The default keeps trying for about 20 minutes, enough to ride out a partner's restart.
   */
  SAGA_RETRY_SCHEDULE_MS: Type.String({
    default: '250,500,1000,2000,4000,8000,15000,30000,60000,120000,300000,600000',
    pattern: '^\\d+(,\\d+)*$',
  }),
  /** Saga jobs run this many at a time per process. */
  SAGA_CONCURRENCY: Type.Integer({ default: 16, minimum: 1 }),
  /** A buyer returning from the gateway waits up to this long to see the sale finished. */
  PAYMENT_SETTLE_TIMEOUT_MS: Type.Integer({ default: 3_000, minimum: 0 }),
  /**
   * Unpaid payment starts one user may have open at once (payment INITIATED, booking PAYMENT_INITIATED). The gateway
   * counts every started amount against the team's daily limit, so starts nobody pays could otherwise use it up for
   * everyone. 3 leaves room for a buyer who retries on another booking.
   */
  MAX_UNPAID_PAYMENTS_PER_USER: Type.Integer({ default: 3, minimum: 1 }),
  /** The same cap as a sum, in tiyn: 100 000 000 (1 000 000 ₸) is two payments at ТөлеуБар's per-payment maximum. */
  MAX_UNPAID_AMOUNT_PER_USER_TIYN: Type.Integer({ default: 100_000_000, minimum: 1 }),
  /**
   * The gateway team's daily limit in tiyn (ТөлеуБар: 500 000 000 000 per UTC day, research §3.3); 0 = none. Only
   * for the remaining-budget metric, from our own ledger of initiated amounts: the gateway itself decides.
   */
  PAYMENT_DAILY_LIMIT_TIYN: Type.Integer({ default: 500_000_000_000, minimum: 0 }),
  /**
   * Gateway status checks of one payment (return URLs, webhooks) are at most one per this interval per process;
   * concurrent callers share a check, and a settled answer is reused within it. 250 ms adds at most that to a
   * buyer's wait while a flood of callbacks for one payment costs four gateway calls a second.
   */
  PAYMENT_STATUS_INTERVAL_MS: Type.Integer({ default: 250, minimum: 0 }),
  /**
   * Notifications that carry no valid signature are only hints to re-check a payment; at most this many such checks
   * per second per process reach the gateway (more are acknowledged and dropped), so a flood of unsigned posts
   * cannot turn into a flood of gateway calls. 20 is far above what the gateway's own webhooks need.
   */
  PAYMENT_HINT_CHECKS_PER_SECOND: Type.Integer({ default: 20, minimum: 1 }),
  /**
   * This process's identity for the job table, unique among live processes and stable across restarts, so that a
   * restarted process takes back at once the saga jobs it held when it died. Default: host, port, service and
   * WORKER_INDEX.
   */
  WORKER_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The cluster worker's index (0..N−1), set by `kokdala serve --workers N` and kept when a worker is replaced. */
  WORKER_INDEX: Type.Integer({ default: 0, minimum: 0 }),
})

export type TicketsConfig = Static<typeof TicketsConfigSchema>

/** Reads the tickets configuration from the environment (or the given overrides, for tests). */
export function loadTicketsConfig(env: Record<string, string | undefined> = process.env): TicketsConfig {
  const config = loadConfig(TicketsConfigSchema, env)
  const missing = ['PAYMENT_GATEWAY_URL', 'PAYMENT_TEAM_SLUG', 'PAYMENT_TEAM_PASSWORD'].filter(
    (name) => config.PAYMENT_GATEWAY === 'toleubar' && !config[name as keyof TicketsConfig],
  )
  if (missing.length > 0) {
    throw new ConfigError(missing.map((name) => `${name}: required when PAYMENT_GATEWAY=toleubar`))
  }
  return config
}

/** The saga's retry delays as numbers. */
export function sagaRetrySchedule(config: TicketsConfig): number[] {
  return config.SAGA_RETRY_SCHEDULE_MS.split(',').map(Number)
}
