import {
  type Clock,
  createIdempotencyStore,
  createWorker,
  type Database,
  type HttpTarget,
  type Runtime,
  type ServiceLog,
} from '@kokdala/core'
import type { TicketsConfig } from './config.ts'
import { createAnalyticsService } from './modules/analytics/service.ts'
import { createFulfilment } from './modules/bookings/fulfilment.ts'
import { bookingJobs, fulfilKey } from './modules/bookings/jobs.ts'
import { createBookingRecords } from './modules/bookings/records.ts'
import { createBookingService } from './modules/bookings/service.ts'
import { createEventRepository } from './modules/events/repository.ts'
import { createEventSchedule } from './modules/events/schedule.ts'
import { createEventService } from './modules/events/service.ts'
import { createPaymentGateway } from './modules/payments/module.ts'
import { createPaymentRecords } from './modules/payments/records.ts'
import { createPaymentService } from './modules/payments/service.ts'
import { createProviderModule } from './modules/provider/module.ts'
import { createProviderOrders } from './modules/provider/orders.ts'
import { createSeatClaims } from './modules/seats/claims.ts'
import { createSeatRepository } from './modules/seats/repository.ts'
import { createSeatService } from './modules/seats/service.ts'
import { scheduleHousekeeping } from './modules/system/housekeeping.ts'
import { createResetService } from './modules/system/service.ts'
import { createUserRepository } from './modules/users/repository.ts'
import { createUserService } from './modules/users/service.ts'
import { ticketsSettings } from './settings.ts'

export interface TicketsServiceDeps {
  config: TicketsConfig
  db: Database
  clock: Clock
  log: ServiceLog
  /** Where the modules register what runs beside the requests and what closes with the service. */
  runtime: Runtime
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight. This is the one place outside a module
 * that creates repositories (for services that are given theirs); a service that opens transactions creates its
 * own module's repository on each transaction. Other modules reach a module only through what it returns here.
 */
export function buildTicketsServices({ config, db, clock, log, runtime }: TicketsServiceDeps) {
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
    schedule: createEventSchedule(db),
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
  const bookingRecords = createBookingRecords(db)
  const analytics = createAnalyticsService({ seats, bookings: bookingRecords })
  const reset = createResetService({
    db,
    bookings,
    bookingRecords,
    claims,
    payments: paymentRecords,
    orders: createProviderOrders(db),
    places: provider?.sync,
  })
  // Event 1's places load at start (100 000 places take seconds; the service serves meanwhile and sagas wait for
  // the place ids), the job worker runs, housekeeping rounds repeat; on close the outbound clients close.
  if (provider) runtime.atStart('event 1 place load', async () => provider.start())
  runtime.loop('job worker', worker)
  scheduleHousekeeping(runtime, { bookings, idempotency, intervalMs: config.EXPIRY_SWEEP_INTERVAL_MS })
  for (const target of outbound) runtime.closeWith(target)
  if (provider) runtime.closeWith({ close: () => provider.stop() })

  return {
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
    outbound,
  }
}

export type TicketsServices = ReturnType<typeof buildTicketsServices>
