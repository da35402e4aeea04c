import { AppError, clearFinishedJobs, clearIdempotencyKeys, type Database, rearmPending } from '@kokdala/core'
import { FULFIL_JOB, requestFulfilment } from '../bookings/jobs.ts'
import type { PlaceLoader, PlaceLoadReport } from '../provider/places.ts'
import { createProviderRepository } from '../provider/repository.ts'

/**
 * Restores the initial sale state: no bookings or payments, every seat FREE. Because a seat is
 * FREE exactly when it has no claim, this is a TRUNCATE and takes milliseconds even for the stadium. Sequences
 * are not restarted, so booking and payment ids are never reused.
 *
 * The Event Provider has no reset: orders we left open there are handed back to their sagas (which cancel them),
 * and event 1's places are loaded again, so places sold there stay unavailable here.
 */
export function createResetService({ db, providerPlaces }: { db: Database; providerPlaces?: PlaceLoader }) {
  return {
    async reset(): Promise<{ provider?: PlaceLoadReport }> {
      await db.transaction(async (tx) => {
        await tx.exec('TRUNCATE seat_claim, payment, booking, test_gateway_payment')
        // Stored answers name bookings that are gone now: a key used again starts afresh.
        await clearIdempotencyKeys(tx)
        // Pending jobs are sagas on their way, some running right now: dropping one would orphan what it is doing
        // at the provider (an order being created) and let a second run start beside it. They stay, and each runs
        // once more after its current run, finding its booking gone: an order it left open is cancelled.
        await clearFinishedJobs(tx)
        await rearmPending(tx, FULFIL_JOB)
        for (const bookingId of await createProviderRepository(tx).openOrderBookings()) {
          await requestFulfilment(tx, bookingId)
        }
      })
      if (!providerPlaces) return {}
      try {
        return { provider: await providerPlaces.load() }
      } catch (error) {
        // Local state is reset; until the places load, event 1 shows no provider sales. Reset again to retry.
        throw new AppError('PROVIDER_UNAVAILABLE', undefined, { reason: (error as Error).message })
      }
    },
  }
}

export type ResetService = ReturnType<typeof createResetService>
