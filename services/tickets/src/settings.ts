import { hostname } from 'node:os'
import type { Database } from '@kokdala/core'
import { sagaRetrySchedule, type TicketsConfig } from './config.ts'

/** The base URL buyers and the gateway reach the service at (what `kokdala start` prints, too). */
export function ticketsPublicUrl(config: TicketsConfig): string {
  return config.TICKETS_PUBLIC_URL ?? `http://${config.TICKETS_HOST}:${config.TICKETS_PORT}`
}

/**
 * What the wiring derives from the configuration, in one place: the values the modules take that are not a
 * variable read as it is (units converted, defaults that depend on the database, identities built from several).
 */
export function ticketsSettings(config: TicketsConfig, db: Database) {
  const authWindowMs = config.AUTH_FAILURE_WINDOW_SECONDS * 1000
  return {
    /** The base URL buyers come back to from the gateway. */
    publicUrl: ticketsPublicUrl(config),
    authFailureLimits: {
      perAccountAndIp: { max: config.AUTH_FAILURES_PER_ACCOUNT_IP, windowMs: authWindowMs },
      perIp: { max: config.AUTH_FAILURES_PER_IP, windowMs: authWindowMs },
      perAccount: { max: config.AUTH_FAILURES_PER_ACCOUNT, windowMs: authWindowMs },
    },
    // PGlite runs one statement at a time: more concurrent searches would only queue inside it.
    searchConcurrency: config.SEARCH_CONCURRENCY ?? (db.kind === 'pglite' ? 1 : 4),
    breaker: { failureThreshold: config.BREAKER_FAILURE_THRESHOLD, resetTimeoutMs: config.BREAKER_RESET_MS },
    reservationTimeoutMs: config.RESERVATION_TIMEOUT_SECONDS * 1000,
    /** Money limits in bigint tiyn, as the services compare them. */
    maxUnpaidAmountPerUser: BigInt(config.MAX_UNPAID_AMOUNT_PER_USER_TIYN),
    gatewayDailyLimit: BigInt(config.PAYMENT_DAILY_LIMIT_TIYN),
    idempotencyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    // Stable across restarts and unique among live processes: a restarted process takes back its jobs at once.
    workerId: config.WORKER_ID ?? `${hostname()}:${config.TICKETS_PORT}/tickets#${config.WORKER_INDEX}`,
    sagaRetrySchedule: sagaRetrySchedule(config),
  }
}

export type TicketsSettings = ReturnType<typeof ticketsSettings>
