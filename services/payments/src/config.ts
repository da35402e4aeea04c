import { loadConfig } from '@kokdala/core'
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
  /** `Authorization: Bearer …` of the admin endpoints (/api/admin/*); without it they refuse every request. */
  PAYMENTS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 200, pattern: '^[A-Za-z0-9._~+/-]+$' })),
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
})

export type PaymentsConfig = Static<typeof PaymentsConfigSchema>

/** Reads the payments configuration from the environment; throws ConfigError listing every problem. */
export function loadPaymentsConfig(env: Record<string, string | undefined> = process.env): PaymentsConfig {
  return loadConfig(PaymentsConfigSchema, env)
}

/** The base URL customers and partners reach the service at. */
export function paymentsPublicUrl(config: PaymentsConfig): string {
  return config.PAYMENTS_PUBLIC_URL ?? `http://${config.PAYMENTS_HOST}:${config.PAYMENTS_PORT}`
}

/** The camera service: configured, or the simulator's. */
export function kaspiCameraUrl(config: PaymentsConfig): string {
  return config.KASPI_CAMERA_URL ?? `${config.KASPI_SIMULATOR_URL ?? 'http://127.0.0.1:9003'}/camera`
}
