import { bindRuntime, type Clock, createApp, createRuntime, type Database, systemClock } from '@kokdala/core'
import { adminTokenScheme, requireAdminToken } from './admin.ts'
import type { PaymentsConfig } from './config.ts'
import { openPaymentsDatabase } from './database.ts'
import { seedErrorEnvelope } from './envelope.ts'
import { paymentErrors } from './errors.ts'
import { methodRoutes } from './modules/methods/routes.ts'
import { paymentPageRoutes } from './modules/page/routes.ts'
import { paymentRoutes } from './modules/payments/routes.ts'
import { requireSourceToken, sourceOfRequest } from './modules/sources/guards.ts'
import { sourceRoutes } from './modules/sources/routes.ts'
import { terminalRoutes } from './modules/terminals/routes.ts'
import { webhookAdminRoutes } from './modules/webhooks/routes.ts'
import { buildPaymentsServices, type PaymentsOverrides } from './services.ts'

export { openPaymentsDatabase, paymentsMigrations } from './database.ts'

export interface BuildPaymentsOptions {
  config: PaymentsConfig
  /** An already open database (tests); otherwise one is opened from the config and closed with the app. */
  db?: Database
  clock?: Clock
  /** Background loops (job worker, terminal poller); tests drive them by hand instead. */
  background?: boolean
  /** Replacements for tests: an in-memory terminal pool, fake terminals, recorded payment events. */
  overrides?: PaymentsOverrides
}

/** Builds the payment center: assembly only (services.ts builds the modules, every rule lives in them). */
export async function buildPaymentsApp({
  config,
  db: givenDb,
  clock = systemClock,
  background = true,
  overrides,
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
    securitySchemes: {
      apiToken: { type: 'apiKey', in: 'header', name: 'X-API-Token' },
      adminToken: adminTokenScheme,
    },
  })
  // Owns what runs beside the requests and what closes with the app, last registered first: the database last.
  const runtime = createRuntime(app.log)
  if (!givenDb) runtime.closeWith(db)
  const services = buildPaymentsServices({ config, db, clock, log: app.log, runtime, overrides })

  await app.register(methodRoutes, { methods: services.methods })
  await app.register(paymentRoutes, {
    payments: services.payments,
    methods: services.methods,
    idempotency: services.idempotency,
    requireSource: requireSourceToken(services.tokens),
    sourceOf: sourceOfRequest,
    publicPerMinute: config.PAYMENTS_PUBLIC_RATE_PER_MINUTE,
  })
  await app.register(sourceRoutes, {
    sources: services.sources,
    authorize: requireAdminToken(config.PAYMENTS_ADMIN_TOKEN),
  })
  await app.register(terminalRoutes, {
    admin: services.terminals.admin,
    reconcile: services.terminals.reconcile,
    runs: services.terminals.runs,
    authorize: requireAdminToken(config.PAYMENTS_ADMIN_TOKEN),
    now: () => clock.now(),
  })
  await app.register(paymentPageRoutes)

  await app.register(webhookAdminRoutes, { webhooks: services.webhooks.admin, adminToken: config.PAYMENTS_ADMIN_TOKEN })

  bindRuntime(app, runtime, { background })
  return { app, db, services, runtime }
}

export type PaymentsApp = Awaited<ReturnType<typeof buildPaymentsApp>>
