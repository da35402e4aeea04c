import type { Database } from '@kokdala/core'

/**
 * Restores the initial sale state: no bookings, payments or pending jobs, every seat FREE. Because a seat is
 * FREE exactly when it has no claim, this is a TRUNCATE and takes milliseconds even for the stadium. Sequences
 * are not restarted, so booking and payment ids are never reused.
 */
export function createResetService({ db }: { db: Database }) {
  return {
    async reset(): Promise<void> {
      await db.exec('TRUNCATE seat_claim, payment, booking, test_gateway_payment, job')
    },
  }
}

export type ResetService = ReturnType<typeof createResetService>
