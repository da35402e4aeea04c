import { bindRuntime, type Clock, createApp, createRuntime, type Database, systemClock } from '@kokdala/core'
import { adminTokenScheme, requireAdminToken } from './admin.ts'
import type { FiscalConfig } from './config.ts'
import { openFiscalDatabase } from './database.ts'
import { fiscalErrors } from './errors.ts'
import { statusPageRoutes } from './modules/page/routes.ts'
import { receiptRoutes } from './modules/receipts/routes.ts'
import { tokenRoutes } from './modules/tokens/routes.ts'
import { buildFiscalServices, type FiscalOverrides } from './services.ts'

export { fiscalMigrations, openFiscalDatabase } from './database.ts'

export interface BuildFiscalOptions {
  config: FiscalConfig
  /** An already open database (tests); otherwise one is opened from the config and closed with the app. */
  db?: Database
  clock?: Clock
  /** Background loops (scheduled token refresh, receipt queues); tests drive them by hand instead. */
  background?: boolean
  /** Replacements for tests (a fake Webkassa client). */
  overrides?: FiscalOverrides
}

/** Builds the fiscal service: assembly only (services.ts builds the modules, every rule lives in them). */
export async function buildFiscalApp({
  config,
  db: givenDb,
  clock = systemClock,
  background = true,
  overrides,
}: BuildFiscalOptions) {
  const db = givenDb ?? (await openFiscalDatabase(config))
  const app = await createApp({
    service: 'fiscal',
    version: '1.0.0',
    description: 'Kokdala fiscal — receipts through Webkassa for every paid payment, the session token, shifts',
    errors: fiscalErrors,
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
  const services = buildFiscalServices({ config, db, clock, log: app.log, runtime, overrides })
  await app.register(receiptRoutes, {
    receipts: services.receipts,
    adminToken: config.FISCAL_ADMIN_TOKEN,
    paymentsWebhookSecret: config.FISCAL_PAYMENTS_WEBHOOK_SECRET,
    vatPercent: config.FISCAL_VAT_PERCENT,
    clock,
  })

  await app.register(tokenRoutes, {
    tokens: services.tokens.tokens,
    nextScheduledRefresh: services.tokens.nextScheduledRefresh,
    authorize: requireAdminToken(config.FISCAL_ADMIN_TOKEN),
  })

  await app.register(statusPageRoutes, { clock, timeZone: config.FISCAL_TIMEZONE })

  bindRuntime(app, runtime, { background })
  return { app, db, services, runtime }
}

export type FiscalApp = Awaited<ReturnType<typeof buildFiscalApp>>
