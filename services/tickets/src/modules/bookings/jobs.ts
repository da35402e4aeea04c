import { enqueueKeyed, type JobKind, type Queryable } from '@kokdala/core'
import type { Fulfilment } from './fulfilment.ts'

/** The saga job of a booking: everything outside our database (provider order, capture, void, refund). */
export const FULFIL_JOB = 'booking.fulfil'

export function fulfilKey(bookingId: number): string {
  return `fulfil:${bookingId}`
}

/** Asks the booking's saga to bring the outside world in line with the booking; call in the changing transaction. */
export function requestFulfilment(tx: Queryable, bookingId: number): Promise<void> {
  return enqueueKeyed(tx, FULFIL_JOB, fulfilKey(bookingId), { bookingId })
}

/**
 * The bookings module's job kinds for the worker: the saga runs with its retry schedule, and when the retries are
 * used up the booking is given up on (see `Fulfilment.giveUp`).
 */
export function bookingJobs(deps: {
  fulfilment: Fulfilment
  retrySchedule: number[]
  log: { error(object: object, message: string): void }
}): Record<string, JobKind> {
  const bookingOf = (payload: unknown) => (payload as { bookingId: number }).bookingId
  return {
    [FULFIL_JOB]: {
      retrySchedule: deps.retrySchedule,
      run: (job) => deps.fulfilment.run(bookingOf(job.payload)),
      onDead: async (job, error) => {
        const bookingId = bookingOf(job.payload)
        deps.log.error({ bookingId, err: error }, 'booking saga gave up')
        await deps.fulfilment.giveUp(bookingId, error)
      },
    },
  }
}
