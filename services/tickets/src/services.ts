import { type Clock, createIdempotencyStore, createWorker, type Database, type HttpTarget } from '@kokdala/core'
import type { TicketsConfig } from './config.ts'
import { createAnalyticsRepository } from './modules/analytics/repository.ts'
import { createAnalyticsService } from './modules/analytics/service.ts'
import { createFulfilment } from './modules/bookings/fulfilment.ts'
import { bookingJobs, fulfilKey } from './modules/bookings/jobs.ts'
import { createBookingService } from './modules/bookings/service.ts'
import { createEventRepository } from './modules/events/repository.ts'
import { createEventService } from './modules/events/service.ts'
import { createPaymentGateway } from './modules/payments/module.ts'
import { createPaymentRecords } from './modules/payments/records.ts'
import { createPaymentService } from './modules/payments/service.ts'
import { createProviderModule } from './modules/provider/module.ts'
import { createProviderOrders } from './modules/provider/orders.ts'
import { createSeatClaims } from './modules/seats/claims.ts'
import { createSeatRepository } from './modules/seats/repository.ts'
import { createSeatService } from './modules/seats/service.ts'
import { createResetService } from './modules/system/service.ts'
import { createSweeper } from './modules/system/sweeper.ts'
import { createUserRepository } from './modules/users/repository.ts'
import { createUserService } from './modules/users/service.ts'
import { ticketsSettings } from './settings.ts'

export interface TicketsServiceDeps {
  config: TicketsConfig
  db: Database
  clock: Clock
  log: {
    info(object: object, message: string): void
    warn(object: object, message: string): void
    error(object: object, message: string): void
  }
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight. This is the one place outside a module
 * that creates repositories (for services that are given theirs); a service that opens transactions creates its
 * own module's repository on each transaction. Other modules reach a module only through what it returns here.
 */
export function buildTicketsServices({ config, db, clock, log }: TicketsServiceDeps) {
  const settings = ticketsSettings(config, db)
  const users = createUserService({
    users: createUserRepository(db),
    clock,
    failureLimits: settings.authFailureLimits,
  })
  const events = createEventService({
    events: createEventRepository(db, { searchTimeoutMs: config.SEARCH_TIMEOUT_MS }),
    searchMaxResults: config.SEARCH_MAX_RESULTS,
    searchConcurrency: settings.searchConcurrency,
    searchQueue: config.SEARCH_QUEUE,
  })
  const seats = createSeatService({
    seats: createSeatRepository(db),
    events,
    maxSeatsPerBooking: config.MAX_SEATS_PER_BOOKING,
    maxReservedSeatsPerUser: config.MAX_RESERVED_SEATS_PER_USER,
  })
  const claims = createSeatClaims(db)
  const paymentRecords = createPaymentRecords({ db, clock })
  const {
    gateway,
    http: gatewayHttp,
    testGateway,
  } = createPaymentGateway({
    config,
    db,
    publicUrl: settings.publicUrl,
    breaker: settings.breaker,
  })
  const provider = createProviderModule({ config, db, clock, seats, claims, breaker: settings.breaker, log })
  const outbound = [gatewayHttp, provider?.http].filter((target): target is HttpTarget => target !== undefined)

  const bookings = createBookingService({
    db,
    clock,
    events,
    seats,
    claims,
    payments: paymentRecords,
    gateway,
    publicUrl: settings.publicUrl,
    reservationTimeoutMs: settings.reservationTimeoutMs,
    maxOpenBookingsPerUser: config.MAX_OPEN_BOOKINGS_PER_USER,
    refundCutoffHours: config.REFUND_CUTOFF_HOURS,
    providerBacked: (eventId) => provider?.backs(eventId) ?? false,
    maxUnpaidPaymentsPerUser: config.MAX_UNPAID_PAYMENTS_PER_USER,
    maxUnpaidAmountPerUser: settings.maxUnpaidAmountPerUser,
  })
  const fulfilment = createFulfilment({
    bookings,
    payments: paymentRecords,
    gateway,
    provider: provider && { saga: provider.saga, backs: provider.backs, places: provider.bookingPlaces },
  })
  const worker = createWorker({
    db,
    clock,
    workerId: settings.workerId,
    concurrency: config.SAGA_CONCURRENCY,
    batchSize: config.SAGA_CONCURRENCY * 4,
    pollIntervalMs: 100,
    handlers: bookingJobs({ fulfilment, retrySchedule: settings.sagaRetrySchedule, log }),
    onError: (job, error) => log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  const payments = createPaymentService({
    bookings,
    records: paymentRecords,
    gateway,
    fulfilNow: (bookingId) => worker.runKey(fulfilKey(bookingId)),
    settleTimeoutMs: config.PAYMENT_SETTLE_TIMEOUT_MS,
    statusIntervalMs: config.PAYMENT_STATUS_INTERVAL_MS,
    hintChecksPerSecond: config.PAYMENT_HINT_CHECKS_PER_SECOND,
  })
  const idempotency = createIdempotencyStore({
    db,
    clock,
    ttlMs: settings.idempotencyTtlMs,
    leaseMs: config.IDEMPOTENCY_LEASE_MS,
  })
  const analytics = createAnalyticsService({ analytics: createAnalyticsRepository(db), seats })
  const reset = createResetService({
    db,
    bookings,
    claims,
    payments: paymentRecords,
    orders: createProviderOrders(db),
    places: provider?.sync,
  })
  const sweeper = createSweeper({ bookings, idempotency, intervalMs: config.EXPIRY_SWEEP_INTERVAL_MS, log })

  /** Starts what runs beside the requests: event 1's places load, the job worker, the sweeper. */
  async function start(): Promise<void> {
    provider?.start()
    const reclaimed = await worker.start().catch((error) => {
      log.warn({ err: error }, 'jobs held before a restart could not be taken back; they wait out their lease')
      return 0
    })
    if (reclaimed > 0) log.info({ reclaimed }, 'took back the jobs this worker held before it restarted')
    sweeper.start()
  }

  /** Stops all of it and closes the outbound connections (the database is the caller's). */
  async function stop(): Promise<void> {
    provider?.stop()
    sweeper.stop()
    await worker.stop()
    await Promise.all(outbound.map((target) => target.close()))
  }

  return {
    start,
    stop,
    settings,
    users,
    events,
    seats,
    claims,
    bookings,
    fulfilment,
    paymentRecords,
    payments,
    gateway,
    testGateway,
    provider,
    analytics,
    reset,
    idempotency,
    worker,
    sweeper,
    outbound,
  }
}

export type TicketsServices = ReturnType<typeof buildTicketsServices>
