import { loadConfig } from '@kokdala/core'
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
  /** `test` serves its own payment page; the real gateway arrives behind the same interface. */
  PAYMENT_GATEWAY: Type.Union([Type.Literal('test')], { default: 'test' }),
})

export type TicketsConfig = Static<typeof TicketsConfigSchema>

/** Reads the tickets configuration from the environment (or the given overrides, for tests). */
export function loadTicketsConfig(env: Record<string, string | undefined> = process.env): TicketsConfig {
  return loadConfig(TicketsConfigSchema, env)
}
