import { bindRuntime, type Clock, createApp, createRuntime, type Database, systemClock } from '@kokdala/core'
import type { PaymentsConfig } from './config.ts'
import { openPaymentsDatabase } from './database.ts'
import { seedErrorEnvelope } from './envelope.ts'
import { paymentErrors } from './errors.ts'
import { methodRoutes } from './modules/methods/routes.ts'
import { adminTokenScheme, requireTerminalAdmin, terminalRoutes } from './modules/terminals/routes.ts'
import { buildPaymentsServices, type PaymentsServiceDeps } from './services.ts'

export { openPaymentsDatabase, paymentsMigrations } from './database.ts'

export interface BuildPaymentsOptions {
  config: PaymentsConfig
  /** An already open database (tests); otherwise one is opened from the config and closed with the app. */
  db?: Database
  clock?: Clock
  /** Background loops (job worker, terminal poller); tests drive them by hand instead. */
  background?: boolean
  /** How terminals are reached, when not through the configured network (tests). */
  terminals?: PaymentsServiceDeps['terminals']
}

/** Builds the payment center: assembly only (services.ts builds the modules, every rule lives in them). */
export async function buildPaymentsApp({
  config,
  db: givenDb,
  clock = systemClock,
  background = true,
  terminals,
}: BuildPaymentsOptions) {
  const db = givenDb ?? (await openPaymentsDatabase(config))
  const app = await createApp({
    service: 'payments',
    version: '1.0.0',
    description: 'Kokdala payments — the ByFly payment center API: Kaspi terminals, commissions, partial payments',
    errors: paymentErrors,
    errorEnvelope: seedErrorEnvelope,
    db,
    logLevel: config.LOG_LEVEL,
    logRequests: config.LOG_REQUESTS,
    metricsToken: config.METRICS_TOKEN,
    overload: { maxInFlight: config.MAX_REQUESTS_IN_FLIGHT },
    securitySchemes: { adminToken: adminTokenScheme },
  })
  // Owns what runs beside the requests and what closes with the app, last registered first: the database last.
  const runtime = createRuntime(app.log)
  if (!givenDb) runtime.closeWith(db)
  const services = buildPaymentsServices({ config, db, clock, log: app.log, runtime, terminals })

  await app.register(methodRoutes, { methods: services.methods })
  await app.register(terminalRoutes, {
    admin: services.terminals.admin,
    reconcile: services.terminals.reconcile,
    authorize: requireTerminalAdmin(config.PAYMENTS_ADMIN_TOKEN),
    now: () => clock.now(),
  })

  bindRuntime(app, runtime, { background })
  return { app, db, services, runtime }
}

export type PaymentsApp = Awaited<ReturnType<typeof buildPaymentsApp>>
