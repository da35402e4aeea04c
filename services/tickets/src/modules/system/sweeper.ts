import type { IdempotencyStore } from '@kokdala/core'
import type { BookingService } from '../bookings/service.ts'

export interface SweeperDeps {
  bookings: BookingService
  idempotency: Pick<IdempotencyStore, 'purgeExpired'>
  intervalMs: number
  log: { warn(object: object, message: string): void }
}

/**
 * The periodic housekeeping of the service: bookings whose reservation ran out are expired (their seats come back,
 * their sagas clean up) and Idempotency-Key answers past their time are dropped. A failed round is logged and the
 * next one tries again.
 */
export function createSweeper({ bookings, idempotency, intervalMs, log }: SweeperDeps) {
  let timer: NodeJS.Timeout | undefined
  return {
    start(): void {
      if (timer) return
      timer = setInterval(() => {
        bookings.expireDue().catch((error) => log.warn({ err: error }, 'expiry sweep failed'))
        idempotency.purgeExpired().catch((error) => log.warn({ err: error }, 'idempotency key cleanup failed'))
      }, intervalMs)
      timer.unref()
    },
    stop(): void {
      clearInterval(timer)
      timer = undefined
    },
  }
}

export type Sweeper = ReturnType<typeof createSweeper>
