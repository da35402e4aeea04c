import { type Clock, type Database, RetryLater } from '@kokdala/core'
import type { ProviderClient } from './client.ts'
import { createProviderRepository } from './repository.ts'

export interface ProviderSagaDeps {
  db: Database
  client: ProviderClient
  clock: Clock
  /** How often to look again while the provider's projection catches up with our selects. */
  projectionPollMs?: number
  /** Waiting longer than this for the projection counts as a failure (the provider's consumer may be stuck). */
  projectionWaitLimitMs?: number
}

/** The seats a booking holds locally, with their provider place ids. */
export type BookingPlaces = Array<{ seatId: number; placeId: string | null }>

/**
 * The provider leg of one booking: one provider order per booking, driven toward where the booking is. Each step
 * is idempotent and records what the provider confirmed before moving on, so a step interrupted anywhere is simply
 * run again. The provider's one deadly rule (research §2.3: a cancel or submit racing the asynchronous "add place
 * to order" kills its consumer for good) is kept by never submitting or cancelling until the order's
 * `places_count` has caught up with every select the provider accepted.
 */
export function createProviderSaga(deps: ProviderSagaDeps) {
  const { client, clock } = deps
  const repository = createProviderRepository(deps.db)
  const pollMs = deps.projectionPollMs ?? 100
  const waitLimitMs = deps.projectionWaitLimitMs ?? 30_000

  /** Resolves once the provider counts every accepted select; RetryLater while its projection lags. */
  async function awaitPlacesJoined(bookingId: number, orderId: string): Promise<void> {
    const selections = await repository.selections(bookingId)
    const remote = await client.getOrder(orderId)
    if (remote && remote.places_count >= selections.length) return
    const lastSelect = Math.max(0, ...selections.map((s) => new Date(s.selectedAt).getTime()))
    const waited = clock.now().getTime() - lastSelect
    if (waited > waitLimitMs) {
      throw new Error(`provider order ${orderId} counts ${remote?.places_count ?? 'no'} places of ${selections.length}`)
    }
    throw new RetryLater(pollMs, `waiting for provider order ${orderId} to count ${selections.length} places`)
  }

  async function orderStatusIs(orderId: string, expected: string): Promise<boolean> {
    return (await client.getOrder(orderId))?.status === expected
  }

  return {
    /** Brings the booking's order to SUBMITTED with exactly these places (the booking is frozen once paying). */
    async submit(bookingId: number, places: BookingPlaces): Promise<void> {
      let order = await repository.order(bookingId)
      if (!order) {
        // An order created here but not recorded (crash in between) is an empty STARTED order: harmless.
        const orderId = await client.createOrder()
        await repository.insertOrder(bookingId, orderId)
        order = { bookingId, orderId, status: 'STARTED' }
      }
      if (order.status === 'SUBMITTED' || order.status === 'CONFIRMED') return
      if (order.status === 'CANCELLED') throw new Error(`provider order of booking ${bookingId} is cancelled`)

      const selected = new Map((await repository.selections(bookingId)).map((s) => [s.seatId, s]))
      const wanted = new Set(places.map((p) => p.seatId))
      const taken: number[] = []
      for (const place of places) {
        if (selected.has(place.seatId)) continue
        if (!place.placeId) throw new Error(`seat ${place.seatId} has no provider place yet (places not loaded)`)
        if ((await client.selectPlace(place.placeId, order.orderId)) === 'ok') {
          await repository.addSelection(bookingId, place.seatId, place.placeId, clock.now())
        } else taken.push(place.seatId)
      }
      for (const selection of selected.values()) {
        if (wanted.has(selection.seatId)) continue
        const released = await client.releasePlace(selection.placeId)
        if (released === 'not-joined') throw new RetryLater(pollMs, `place ${selection.placeId} not joined yet`)
        await repository.removeSelection(bookingId, selection.seatId)
      }
      // Almost always one of our own cancelled orders whose places the provider has not let go of yet.
      if (taken.length > 0) throw new Error(`provider places of seats ${taken.join(', ')} are taken`)

      await awaitPlacesJoined(bookingId, order.orderId)
      if ((await client.submit(order.orderId)) === 'conflict' && !(await orderStatusIs(order.orderId, 'SUBMITTED'))) {
        throw new Error(`provider refused to submit order ${order.orderId}`)
      }
      await repository.setOrderStatus(bookingId, 'SUBMITTED')
    },

    /** Confirms the submitted order: the tickets are ours for good (a CONFIRMED order can never be cancelled). */
    async confirm(bookingId: number): Promise<void> {
      const order = await repository.order(bookingId)
      if (order?.status === 'CONFIRMED') return
      if (order?.status !== 'SUBMITTED') throw new Error(`provider order of booking ${bookingId} is not submitted`)
      if ((await client.confirm(order.orderId)) === 'conflict' && !(await orderStatusIs(order.orderId, 'CONFIRMED'))) {
        throw new Error(`provider refused to confirm order ${order.orderId}`)
      }
      await repository.setOrderStatus(bookingId, 'CONFIRMED')
    },

    /**
     * Cancels the booking's order so the provider frees its places. Returns 'confirmed' when the order had been
     * confirmed: its places can never come back, so they stay taken here too. 'done' otherwise, also without order.
     */
    async cancel(bookingId: number): Promise<'done' | 'confirmed'> {
      const order = await repository.order(bookingId)
      if (!order || order.status === 'CANCELLED') return 'done'
      if (order.status === 'CONFIRMED') {
        await repository.holdOutside(bookingId)
        return 'confirmed'
      }
      await awaitPlacesJoined(bookingId, order.orderId)
      if ((await client.cancel(order.orderId)) === 'conflict') {
        const remote = await client.getOrder(order.orderId)
        if (remote?.status === 'CONFIRMED') {
          await repository.setOrderStatus(bookingId, 'CONFIRMED')
          await repository.holdOutside(bookingId)
          return 'confirmed'
        }
        if (remote?.status !== 'CANCELLED') throw new Error(`provider refused to cancel order ${order.orderId}`)
      }
      await repository.setOrderStatus(bookingId, 'CANCELLED')
      return 'done'
    },
  }
}

export type ProviderSaga = ReturnType<typeof createProviderSaga>
