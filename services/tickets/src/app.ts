import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import {
  bindRuntime,
  type Clock,
  coreMigrationsDir,
  createApp,
  createHttpTarget,
  createIdempotencyStore,
  createRuntime,
  createWorker,
  type Database,
  type HttpTarget,
  openDatabase,
  registerJobMetrics,
  registerOutboundMetrics,
  systemClock,
} from '@kokdala/core'
import { sagaRetrySchedule, type TicketsConfig } from './config.ts'
import { ticketErrors } from './errors.ts'
import { createAnalyticsRepository } from './modules/analytics/repository.ts'
import { analyticsRoutes } from './modules/analytics/routes.ts'
import { createAnalyticsService } from './modules/analytics/service.ts'
import { createFulfilment } from './modules/bookings/fulfilment.ts'
import { FULFIL_JOB, fulfilKey } from './modules/bookings/jobs.ts'
import { bookingRoutes } from './modules/bookings/routes.ts'
import { createBookingService } from './modules/bookings/service.ts'
import { createEventRepository } from './modules/events/repository.ts'
import { eventRoutes } from './modules/events/routes.ts'
import { createEventService } from './modules/events/service.ts'
import type { PaymentGateway } from './modules/payments/gateway.ts'
import { registerPaymentMetrics } from './modules/payments/metrics.ts'
import { paymentRoutes } from './modules/payments/routes.ts'
import { createPaymentService } from './modules/payments/service.ts'
import { createTestGateway } from './modules/payments/test-gateway/gateway.ts'
import { createTestGatewayRepository } from './modules/payments/test-gateway/repository.ts'
import { testGatewayRoutes } from './modules/payments/test-gateway/routes.ts'
import { createToleubarGateway } from './modules/payments/toleubar/gateway.ts'
import { createProviderClient } from './modules/provider/client.ts'
import {
  createPlaceLoader,
  createPlaceSync,
  PROVIDER_EVENT_ID,
  registerPlaceSyncMetrics,
} from './modules/provider/places.ts'
import { createProviderRepository } from './modules/provider/repository.ts'
import { createProviderSaga } from './modules/provider/saga.ts'
import { createSeatRepository } from './modules/seats/repository.ts'
import { seatRoutes } from './modules/seats/routes.ts'
import { createSeatService } from './modules/seats/service.ts'
import { systemRoutes } from './modules/system/routes.ts'
import { createResetService } from './modules/system/service.ts'
import { createUserRepository } from './modules/users/repository.ts'
import { createUserService } from './modules/users/service.ts'

export const ticketsMigrations = [coreMigrationsDir, fileURLToPath(new URL('../migrations', import.meta.url))]

export interface BuildTicketsOptions {
  config: TicketsConfig
  /** An already open database (tests); otherwise one is opened from the config and closed with the app. */
  db?: Database
  clock?: Clock
  /** Background loops (expiry sweep, job worker); tests drive them by hand instead. */
  background?: boolean
}

/** Opens the tickets database described by the config and applies migrations. */
export function openTicketsDatabase(config: TicketsConfig): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL ? undefined : config.TICKETS_DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
    migrationsDir: ticketsMigrations,
  })
}

/** Builds the Biletter tickets service: wiring only, every rule lives in the modules. */
export async function buildTicketsApp({
  config,
  db: givenDb,
  clock = systemClock,
  background = true,
}: BuildTicketsOptions) {
  const db = givenDb ?? (await openTicketsDatabase(config))
  const publicUrl = config.TICKETS_PUBLIC_URL ?? `http://${config.TICKETS_HOST}:${config.TICKETS_PORT}`

  const authWindowMs = config.AUTH_FAILURE_WINDOW_SECONDS * 1000
  const users = createUserService({
    users: createUserRepository(db),
    clock,
    failureLimits: {
      perAccountAndIp: { max: config.AUTH_FAILURES_PER_ACCOUNT_IP, windowMs: authWindowMs },
      perIp: { max: config.AUTH_FAILURES_PER_IP, windowMs: authWindowMs },
      perAccount: { max: config.AUTH_FAILURES_PER_ACCOUNT, windowMs: authWindowMs },
    },
  })
  const events = createEventService({
    events: createEventRepository(db, { searchTimeoutMs: config.SEARCH_TIMEOUT_MS }),
    searchMaxResults: config.SEARCH_MAX_RESULTS,
    searchConcurrency: config.SEARCH_CONCURRENCY ?? (db.kind === 'pglite' ? 1 : 4),
    searchQueue: config.SEARCH_QUEUE,
  })
  const seats = createSeatService({
    seats: createSeatRepository(db),
    events,
    maxSeatsPerBooking: config.MAX_SEATS_PER_BOOKING,
    maxReservedSeatsPerUser: config.MAX_RESERVED_SEATS_PER_USER,
  })
  const breaker = { failureThreshold: config.BREAKER_FAILURE_THRESHOLD, resetTimeoutMs: config.BREAKER_RESET_MS }
  const outbound: HttpTarget[] = []
  const testGatewayRepository = createTestGatewayRepository(db)
  let gateway: PaymentGateway
  if (config.PAYMENT_GATEWAY === 'toleubar') {
    const http = createHttpTarget({
      name: 'payment-gateway',
      baseUrl: config.PAYMENT_GATEWAY_URL!,
      timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
      breaker,
    })
    outbound.push(http)
    gateway = createToleubarGateway({
      http,
      teamSlug: config.PAYMENT_TEAM_SLUG!,
      password: config.PAYMENT_TEAM_PASSWORD!,
      paymentFormBaseUrl: config.PAYMENT_FORM_URL ?? config.PAYMENT_GATEWAY_URL!,
    })
  } else gateway = createTestGateway(testGatewayRepository, publicUrl)

  const provider = config.EVENT_PROVIDER_URL
    ? (() => {
        const http = createHttpTarget({
          name: 'event-provider',
          baseUrl: config.EVENT_PROVIDER_URL,
          timeoutMs: config.EVENT_PROVIDER_TIMEOUT_MS,
          breaker,
        })
        outbound.push(http)
        const client = createProviderClient(http)
        const repository = createProviderRepository(db)
        return {
          client,
          repository,
          saga: createProviderSaga({ db, client, clock }),
          places: createPlaceLoader({ db, client, ensureHall: () => seats.ensureHall(PROVIDER_EVENT_ID) }),
          backs: (eventId: number) => eventId === PROVIDER_EVENT_ID,
        }
      })()
    : undefined

  const bookings = createBookingService({
    db,
    clock,
    events,
    seats,
    gateway,
    publicUrl,
    reservationTimeoutMs: config.RESERVATION_TIMEOUT_SECONDS * 1000,
    maxOpenBookingsPerUser: config.MAX_OPEN_BOOKINGS_PER_USER,
    refundCutoffHours: config.REFUND_CUTOFF_HOURS,
    providerBacked: (eventId) => provider?.backs(eventId) ?? false,
    maxUnpaidPaymentsPerUser: config.MAX_UNPAID_PAYMENTS_PER_USER,
    maxUnpaidAmountPerUser: config.MAX_UNPAID_AMOUNT_PER_USER_TIYN,
  })
  const fulfilment = createFulfilment({
    bookings,
    gateway,
    provider: provider && {
      saga: provider.saga,
      backs: provider.backs,
      places: (bookingId) => provider.repository.bookingPlaces(bookingId),
    },
  })
  const payments = createPaymentService({
    bookings,
    gateway,
    fulfilNow: (bookingId) => worker.runKey(fulfilKey(bookingId)),
    settleTimeoutMs: config.PAYMENT_SETTLE_TIMEOUT_MS,
    statusIntervalMs: config.PAYMENT_STATUS_INTERVAL_MS,
    hintChecksPerSecond: config.PAYMENT_HINT_CHECKS_PER_SECOND,
  })
  const idempotency = createIdempotencyStore({
    db,
    clock,
    ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    leaseMs: config.IDEMPOTENCY_LEASE_MS,
  })
  const analytics = createAnalyticsService({ analytics: createAnalyticsRepository(db), seats })
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
  })

  // Event 1's places: loaded at start-up and after every reset, retried while the provider is down.
  const placeSync = provider && createPlaceSync({ loader: provider.places, log: app.log })
  const reset = createResetService({ db, clock, places: placeSync })

  await app.register(eventRoutes, { events, searchesPerMinute: config.SEARCH_RATE_PER_MINUTE })
  await app.register(seatRoutes, { seats, users, selectsPerMinute: config.SELECT_SEAT_LIMIT_PER_MINUTE })
  await app.register(bookingRoutes, {
    bookings,
    users,
    idempotency,
    createsPerMinute: config.CREATE_BOOKING_LIMIT_PER_MINUTE,
  })
  await app.register(paymentRoutes, { payments, webhookSecret: config.PAYMENT_WEBHOOK_SECRET || undefined })
  await app.register(analyticsRoutes, { analytics })
  await app.register(systemRoutes, {
    reset,
    enabled: config.RESET_ENABLED,
    token: config.RESET_TOKEN,
  })
  if (config.PAYMENT_GATEWAY === 'test') await app.register(testGatewayRoutes, { repository: testGatewayRepository })

  registerOutboundMetrics(app.metricsRegistry, outbound)
  if (placeSync) registerPlaceSyncMetrics(app.metricsRegistry, placeSync)
  registerPaymentMetrics(app.metricsRegistry, { payments, bookings, dailyLimit: config.PAYMENT_DAILY_LIMIT_TIYN })

  const worker = createWorker({
    db,
    clock,
    // Stable across restarts and unique among live processes: a restarted process takes back its jobs at once.
    workerId: config.WORKER_ID ?? `${hostname()}:${config.TICKETS_PORT}/tickets#${config.WORKER_INDEX}`,
    concurrency: config.SAGA_CONCURRENCY,
    batchSize: config.SAGA_CONCURRENCY * 4,
    pollIntervalMs: 100,
    handlers: {
      [FULFIL_JOB]: {
        retrySchedule: sagaRetrySchedule(config),
        run: (job) => fulfilment.run((job.payload as { bookingId: number }).bookingId),
        onDead: async (job, error) => {
          const bookingId = (job.payload as { bookingId: number }).bookingId
          app.log.error({ bookingId, err: error }, 'booking saga gave up')
          await fulfilment.giveUp(bookingId, error)
        },
      },
    },
    onError: (job, error) => app.log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  registerJobMetrics(app.metricsRegistry, db, [worker])

  // What runs beside the requests, started once the app is ready and stopped, in reverse, when it closes.
  const runtime = createRuntime(app.log)
  let placesLoaded: Promise<unknown> = Promise.resolve()
  // Loading 100 000 places takes seconds; the service serves meanwhile (sagas wait for the place ids).
  if (placeSync) runtime.atStart('event 1 place load', async () => (placesLoaded = placeSync.reload()))
  runtime.loop('job worker', worker)
  runtime.every('expiry sweep', config.EXPIRY_SWEEP_INTERVAL_MS, () => bookings.expireDue())
  runtime.every('idempotency key cleanup', config.EXPIRY_SWEEP_INTERVAL_MS, () => idempotency.purgeExpired())
  // Closed last added first: the place sync, the outbound clients, then the database they use.
  if (!givenDb) runtime.closeWith(db)
  for (const target of outbound) runtime.closeWith(target)
  if (placeSync) runtime.closeWith({ close: () => placeSync.stop() })
  bindRuntime(app, runtime, { background })

  return {
    app,
    db,
    services: { users, events, seats, bookings, payments, analytics, reset, fulfilment, provider },
    worker,
    runtime,
    outbound,
    /** Resolves once event 1's places have been loaded from the provider (at once without one). */
    placesLoaded: () => placesLoaded,
  }
}

export type TicketsApp = Awaited<ReturnType<typeof buildTicketsApp>>
