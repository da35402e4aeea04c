import { enqueueKeyed, type Queryable } from '@kokdala/core'

/** The saga job of a booking: everything outside our database (provider order, capture, void, refund). */
export const FULFIL_JOB = 'booking.fulfil'

export function fulfilKey(bookingId: number): string {
  return `fulfil:${bookingId}`
}

/** Asks the booking's saga to bring the outside world in line with the booking; call in the changing transaction. */
export function requestFulfilment(tx: Queryable, bookingId: number): Promise<void> {
  return enqueueKeyed(tx, FULFIL_JOB, fulfilKey(bookingId), { bookingId })
}
