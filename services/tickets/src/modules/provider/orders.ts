import type { Queryable } from '@kokdala/core'
import { createProviderRepository } from './repository.ts'

/**
 * What other modules may ask about our provider orders (the reset needs to know which orders are still open and
 * which may be CONFIRMED); the orders themselves change only through the saga. `in(tx)` reads inside a caller's
 * transaction.
 */
export function createProviderOrders(db: Queryable) {
  const repository = createProviderRepository(db)
  return {
    in: (tx: Queryable) => createProviderOrders(tx),
    /** Bookings whose provider order is, or may be, CONFIRMED: the provider never gives their places back. */
    mayBeConfirmedBookings: repository.mayBeConfirmedBookings,
    /** Bookings whose provider order is still open (their sagas cancel them). */
    openOrderBookings: repository.openOrderBookings,
  }
}

export type ProviderOrders = ReturnType<typeof createProviderOrders>
