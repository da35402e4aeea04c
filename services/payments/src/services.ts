import { hostname } from 'node:os'
import {
  type Clock,
  createChangeFeed,
  createIdempotencyStore,
  createWorker,
  type Database,
  type Runtime,
  type ServiceLog,
} from '@kokdala/core'
import type { PaymentsConfig } from './config.ts'
import { createMethodRepository } from './modules/methods/repository.ts'
import { createMethodService } from './modules/methods/service.ts'
import type { PaymentEvents } from './modules/payments/events.ts'
import { createPaymentService } from './modules/payments/service.ts'
import type { TerminalPool } from './modules/payments/terminal-pool.ts'
import { createSources } from './modules/sources/module.ts'
import { createTerminalsModule, type TerminalsModuleDeps } from './modules/terminals/module.ts'
import { createWebhooksModule } from './modules/webhooks/module.ts'

export interface PaymentsServiceDeps {
  config: PaymentsConfig
  db: Database
  clock: Clock
  log: ServiceLog
  /** Where the modules register what runs beside the requests and what closes with the service. */
  runtime: Runtime
  /** Replacements for tests. */
  overrides?: PaymentsOverrides
}

export interface PaymentsOverrides {
  /** An in-memory terminal pool instead of the terminals module's. */
  pool?: TerminalPool
  /** How the terminals module reaches terminals (fakes, or the simulator with short timeouts). */
  terminals?: Pick<TerminalsModuleDeps, 'clientFor' | 'qrReader' | 'history' | 'capturedAttempts' | 'ledgerRefunds'>
  /** Recorded payment events instead of webhooks. */
  events?: PaymentEvents
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildPaymentsServices({ config, db, clock, log, runtime, overrides = {} }: PaymentsServiceDeps) {
  const methods = createMethodService({ methods: createMethodRepository(db) })
  const { tokens, sources } = createSources(db, clock)
  const idempotency = createIdempotencyStore({ db, clock, ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000 })
  // The terminals' poller hands outcomes to the payments module, which drives the terminals' pool: the poller
  // calls `settleAttempt` only once the runtime runs, when `payments` exists.
  const terminals = createTerminalsModule({
    config,
    db,
    clock,
    log,
    runtime,
    // Reconciliation compares the terminals' transactions with what the ledger captured.
    capturedAttempts: (period) => payments.capturedAttempts(period),
    ledgerRefunds: {
      between: (period) => payments.ledgerRefunds.between(period),
      byReferences: (references) => payments.ledgerRefunds.byReferences(references),
    },
    ...overrides.terminals,
    settleAttempt: async (attemptId, outcome) => void (await payments.settleAttempt(attemptId, outcome)),
  })
  const pool = overrides.pool ?? terminals.pool
  const webhooks = createWebhooksModule({ config, db, clock, log })
  runtime.atStart('fiscal feed endpoint', async () => {
    if (await webhooks.syncFiscalFeed())
      log.info({}, 'fiscal feed: the configured secret now signs (the previous one for a day beside it)')
  })
  // Which payments changed, for the status cache. PGlite belongs to this process alone: what it changes is all there
  // is. PostgreSQL is shared: the cache listens to migration 007's notifications, and without a URL to listen on
  // (a database handed over without one) it has nothing to trust and stays off.
  const listenUrl = db.kind === 'postgres' ? config.DATABASE_URL : undefined
  const changes = createChangeFeed({ url: listenUrl, channel: 'payment_changed', log })
  const cacheSize = db.kind === 'postgres' && !listenUrl ? 0 : config.PAYMENTS_STATUS_CACHE_SIZE
  if (listenUrl && cacheSize > 0) {
    void changes.start()
    runtime.closeWith(changes)
  }
  const payments = createPaymentService({
    db,
    clock,
    methods,
    pool,
    events: overrides.events ?? webhooks.events,
    changes,
    statusCacheSize: cacheSize,
    maxAmountTiyn: BigInt(config.PAYMENTS_MAX_AMOUNT) * 100n,
    lifetimeMs: config.PAYMENTS_LIFETIME_MINUTES * 60_000,
    allowPrivateWebhookUrls: config.PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    log,
  })
  runtime.every('payment expiry', config.PAYMENTS_EXPIRY_SWEEP_MS, () => payments.expireDue())
  runtime.every('idempotency key cleanup', 60_000, () => idempotency.purgeExpired())
  // One worker per process runs every job kind of the service (it claims any pending job).
  const worker = createWorker({
    db,
    clock,
    // Stable across restarts: a process restarted after a crash takes back its deliveries at once.
    workerId: config.WORKER_ID ?? `${hostname()}:${config.PAYMENTS_PORT}/payments#${config.WORKER_INDEX}`,
    concurrency: config.PAYMENTS_WEBHOOK_CONCURRENCY,
    // Claims of up to 16 rounds of slots: under a backlog each claim, its prepare read and each settle statement
    // serve more deliveries (bench webhook-delivery: 0.11 → 0.03 round trips and about −30 % CPU a delivery against
    // 4 rounds; bench/PAYMENTS-COST.md §1c). Claimed jobs waiting for a slot keep their lease renewed.
    batchSize: config.PAYMENTS_WEBHOOK_CONCURRENCY * 16,
    pollIntervalMs: 200,
    handlers: { ...webhooks.jobs },
    onError: (job, error) => log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  runtime.loop('job worker', worker)
  return { methods, tokens, sources, idempotency, pool, payments, terminals, webhooks, worker, changes }
}

export type PaymentsServices = ReturnType<typeof buildPaymentsServices>
