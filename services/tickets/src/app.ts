import {
  bindRuntime,
  type Clock,
  createApp,
  createRuntime,
  type Database,
  registerJobMetrics,
  registerOutboundMetrics,
  systemClock,
} from '@kokdala/core'
import type { TicketsConfig } from './config.ts'
import { openTicketsDatabase } from './database.ts'
import { ticketErrors } from './errors.ts'
import { analyticsRoutes } from './modules/analytics/routes.ts'
import { bookingRoutes } from './modules/bookings/routes.ts'
import { eventRoutes } from './modules/events/routes.ts'
import { registerPaymentMetrics } from './modules/payments/metrics.ts'
import { paymentRoutes } from './modules/payments/routes.ts'
import { testGatewayRoutes } from './modules/payments/test-gateway/routes.ts'
import { seatRoutes } from './modules/seats/routes.ts'
import { systemRoutes } from './modules/system/routes.ts'
import { buildTicketsServices } from './services.ts'

export { openTicketsDatabase, ticketsMigrations } from './database.ts'

export interface BuildTicketsOptions {
  config: TicketsConfig
  /** An already open database (tests); otherwise one is opened from the config and closed with the app. */
  db?: Database
  clock?: Clock
  /** Background loops (expiry sweep, job worker, places load); tests drive them by hand instead. */
  background?: boolean
}

/** Builds the Biletter tickets service: assembly only (services.ts builds the modules, every rule lives in them). */
export async function buildTicketsApp({
  config,
  db: givenDb,
  clock = systemClock,
  background = true,
}: BuildTicketsOptions) {
  const db = givenDb ?? (await openTicketsDatabase(config))
  const app = await createApp({
    service: 'tickets',
    version: '1.1.0',
    description: 'Biletter — HackLoad 2025 ticketing API v1.1',
    errors: ticketErrors,
    db,
    logLevel: config.LOG_LEVEL,
    logRequests: config.LOG_REQUESTS,
    metricsToken: config.METRICS_TOKEN,
    overload: { maxInFlight: config.MAX_REQUESTS_IN_FLIGHT, maxPoolWaiting: config.DB_POOL_MAX_WAITING },
    maxConnections: config.MAX_CONNECTIONS,
    securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } },
  })
  // Owns what runs beside the requests and what closes with the app, last registered first: the database last.
  const runtime = createRuntime(app.log)
  if (!givenDb) runtime.closeWith(db)
  const services = buildTicketsServices({ config, db, clock, log: app.log, runtime })
  const { users, events, seats, bookings, payments, provider, worker, outbound } = services

  await app.register(eventRoutes, { events, searchesPerMinute: config.SEARCH_RATE_PER_MINUTE })
  await app.register(seatRoutes, { seats, users, selectsPerMinute: config.SELECT_SEAT_LIMIT_PER_MINUTE })
  const createsPerMinute = config.CREATE_BOOKING_LIMIT_PER_MINUTE
  await app.register(bookingRoutes, { bookings, users, idempotency: services.idempotency, createsPerMinute })
  await app.register(paymentRoutes, { payments, webhookSecret: config.PAYMENT_WEBHOOK_SECRET || undefined })
  await app.register(analyticsRoutes, { analytics: services.analytics })
  await app.register(systemRoutes, { reset: services.reset, enabled: config.RESET_ENABLED, token: config.RESET_TOKEN })
  if (services.testGateway) await app.register(testGatewayRoutes, { repository: services.testGateway })

  registerOutboundMetrics(app.metricsRegistry, outbound)
  provider?.registerMetrics(app.metricsRegistry)
  const dailyLimit = services.settings.gatewayDailyLimit
  registerPaymentMetrics(app.metricsRegistry, { payments, records: services.paymentRecords, dailyLimit })
  registerJobMetrics(app.metricsRegistry, db, [worker])

  bindRuntime(app, runtime, { background })

  return {
    app,
    db,
    services,
    worker,
    runtime,
    outbound,
    /** Resolves once event 1's places have been loaded from the provider (at once without one). */
    placesLoaded: () => provider?.loaded() ?? Promise.resolve(),
  }
}

export type TicketsApp = Awaited<ReturnType<typeof buildTicketsApp>>
