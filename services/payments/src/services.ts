import { type Clock, createWorker, type Database, type Runtime } from '@kokdala/core'
import type { PaymentsConfig } from './config.ts'
import { createMethodRepository } from './modules/methods/repository.ts'
import { createMethodService } from './modules/methods/service.ts'
import { createTerminalsModule, type TerminalsModuleDeps } from './modules/terminals/module.ts'
import { createWebhooksModule } from './modules/webhooks/module.ts'

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
  /** Replaces how terminals are reached (tests: fakes or the simulator with short timeouts). */
  terminals?: Pick<TerminalsModuleDeps, 'clientFor' | 'qrReader' | 'history' | 'settleAttempt'>
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildPaymentsServices({
  config,
  db,
  clock,
  log,
  runtime,
  terminals: terminalsDeps,
}: PaymentsServiceDeps) {
  const methods = createMethodService({ methods: createMethodRepository(db) })
  const terminals = createTerminalsModule({ config, db, clock, log, runtime, ...terminalsDeps })
  const webhooks = createWebhooksModule({ config, db, clock })
  // One worker per process runs every job kind of the service (it claims any pending job).
  const worker = createWorker({
    db,
    clock,
    concurrency: config.PAYMENTS_WEBHOOK_CONCURRENCY,
    batchSize: config.PAYMENTS_WEBHOOK_CONCURRENCY * 4,
    pollIntervalMs: 200,
    handlers: { ...webhooks.jobs },
    onError: (job, error) => log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  runtime.loop('job worker', worker)
  return { methods, terminals, webhooks, worker }
}

export type PaymentsServices = ReturnType<typeof buildPaymentsServices>
