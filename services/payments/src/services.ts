import { type Clock, createIdempotencyStore, type Database, type Runtime } from '@kokdala/core'
import type { PaymentsConfig } from './config.ts'
import { PaymentsError } from './errors.ts'
import { createMethodRepository } from './modules/methods/repository.ts'
import { createMethodService } from './modules/methods/service.ts'
import { noPaymentEvents, type PaymentEvents } from './modules/payments/events.ts'
import { createPaymentService } from './modules/payments/service.ts'
import type { TerminalPool } from './modules/payments/terminal-pool.ts'
import { createSources } from './modules/sources/module.ts'

export interface PaymentsServiceDeps {
  config: PaymentsConfig
  db: Database
  clock: Clock
  log: {
    info(object: object, message: string): void
    warn(object: object, message: string): void
    error(object: object, message: string): void
  }
  /** Where the modules register what runs beside the requests and what closes with the service. */
  runtime: Runtime
  /** Replacements for tests (an in-memory terminal pool, recorded events). */
  overrides?: PaymentsOverrides
}

export interface PaymentsOverrides {
  pool?: TerminalPool
  events?: PaymentEvents
}

/** Until a terminal pool is wired in, every /kaspi is told the terminals cannot be reached. */
const noTerminals: TerminalPool = {
  async start() {
    throw new PaymentsError('TERMINAL_UNAVAILABLE')
  },
  async check() {
    return { state: 'unknown' }
  },
  async release() {},
  async refund() {
    throw new PaymentsError('TERMINAL_UNAVAILABLE')
  },
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildPaymentsServices({ config, db, clock, log, runtime, overrides = {} }: PaymentsServiceDeps) {
  const methods = createMethodService({ methods: createMethodRepository(db) })
  const { tokens, sources } = createSources(db, clock)
  const idempotency = createIdempotencyStore({ db, clock, ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000 })
  const pool = overrides.pool ?? noTerminals
  const payments = createPaymentService({
    db,
    clock,
    methods,
    pool,
    events: overrides.events ?? noPaymentEvents,
    maxAmountTiyn: BigInt(config.PAYMENTS_MAX_AMOUNT) * 100n,
    lifetimeMs: config.PAYMENTS_LIFETIME_MINUTES * 60_000,
    log,
  })
  runtime.every('payment expiry', config.PAYMENTS_EXPIRY_SWEEP_MS, () => payments.expireDue())
  runtime.every('idempotency key cleanup', 60_000, () => idempotency.purgeExpired())
  return { methods, tokens, sources, idempotency, pool, payments }
}

export type PaymentsServices = ReturnType<typeof buildPaymentsServices>
