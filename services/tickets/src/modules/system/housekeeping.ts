import type { IdempotencyStore, Runtime } from '@kokdala/core'
import type { BookingService } from '../bookings/service.ts'

export interface HousekeepingDeps {
  bookings: BookingService
  idempotency: Pick<IdempotencyStore, 'purgeExpired'>
  intervalMs: number
}

/**
 * The periodic housekeeping of the service, run by its runtime: bookings whose reservation ran out are expired
 * (their seats come back, their sagas clean up) and Idempotency-Key answers past their time are dropped. A failed
 * round is logged under its name and the next one tries again.
 */
export function scheduleHousekeeping(runtime: Runtime, { bookings, idempotency, intervalMs }: HousekeepingDeps) {
  runtime.every('expiry sweep', intervalMs, () => bookings.expireDue())
  runtime.every('idempotency key cleanup', intervalMs, () => idempotency.purgeExpired())
}
