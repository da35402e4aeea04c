import { fileURLToPath } from 'node:url'
import {
  type Clock,
  coreMigrationsDir,
  createApp,
  createWorker,
  type Database,
  openDatabase,
  systemClock,
} from '@kokdala/core'
import type { TicketsConfig } from './config.ts'
import { ticketErrors } from './errors.ts'
import { createAnalyticsRepository } from './modules/analytics/repository.ts'
import { analyticsRoutes } from './modules/analytics/routes.ts'
import { createAnalyticsService } from './modules/analytics/service.ts'
import { bookingRoutes } from './modules/bookings/routes.ts'
import { createBookingService, PAYMENT_CANCEL_JOB, PAYMENT_REFUND_JOB } from './modules/bookings/service.ts'
import { createEventRepository } from './modules/events/repository.ts'
import { eventRoutes } from './modules/events/routes.ts'
import { createEventService } from './modules/events/service.ts'
import { paymentRoutes } from './modules/payments/routes.ts'
import { createPaymentService } from './modules/payments/service.ts'
import { createTestGateway } from './modules/payments/test-gateway/gateway.ts'
import { createTestGatewayRepository } from './modules/payments/test-gateway/repository.ts'
import { testGatewayRoutes } from './modules/payments/test-gateway/routes.ts'
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

  const users = createUserService({ users: createUserRepository(db) })
  const events = createEventService({ events: createEventRepository(db) })
  const seats = createSeatService({
    seats: createSeatRepository(db),
    events,
    maxSeatsPerBooking: config.MAX_SEATS_PER_BOOKING,
  })
  const testGatewayRepository = createTestGatewayRepository(db)
  const gateway = createTestGateway(testGatewayRepository, publicUrl)
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
  })
  const payments = createPaymentService({ bookings, gateway })
  const analytics = createAnalyticsService({ analytics: createAnalyticsRepository(db), seats })
  const reset = createResetService({ db })

  const app = await createApp({
    service: 'tickets',
    version: '1.1.0',
    description: 'Biletter — HackLoad 2025 ticketing API v1.1',
    errors: ticketErrors,
    db,
    logLevel: config.LOG_LEVEL,
    logRequests: config.LOG_REQUESTS,
  })

  await app.register(eventRoutes, { events })
  await app.register(seatRoutes, { seats, users })
  await app.register(bookingRoutes, { bookings, users })
  await app.register(paymentRoutes, { payments })
  await app.register(analyticsRoutes, { analytics })
  await app.register(systemRoutes, { reset })
  if (config.PAYMENT_GATEWAY === 'test') await app.register(testGatewayRoutes, { repository: testGatewayRepository })

  const worker = createWorker({
    db,
    clock,
    handlers: {
      [PAYMENT_CANCEL_JOB]: (job) => payments.cancelAtGateway((job.payload as { paymentId: number }).paymentId),
      [PAYMENT_REFUND_JOB]: (job) => payments.refundAtGateway((job.payload as { paymentId: number }).paymentId),
    },
    onError: (job, error) => app.log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  let sweeper: NodeJS.Timeout | undefined
  if (background) {
    app.addHook('onReady', async () => {
      worker.start()
      sweeper = setInterval(() => {
        bookings.expireDue().catch((error) => app.log.warn({ err: error }, 'expiry sweep failed'))
      }, config.EXPIRY_SWEEP_INTERVAL_MS)
      sweeper.unref()
    })
  }
  app.addHook('onClose', async () => {
    clearInterval(sweeper)
    await worker.stop()
    if (!givenDb) await db.close()
  })

  return { app, db, services: { users, events, seats, bookings, payments, analytics, reset }, worker }
}

export type TicketsApp = Awaited<ReturnType<typeof buildTicketsApp>>
