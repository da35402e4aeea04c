import { type Clock, type Database, RetryLater } from '@kokdala/core'
import type { SeatClaims } from '../seats/claims.ts'
import type { ProviderClient } from './client.ts'
import { createProviderRepository, type Selection, type SentPlace } from './repository.ts'

export interface ProviderSagaDeps {
  db: Database
  client: ProviderClient
  clock: Clock
  /** The seats module's inventory: places the provider keeps, or gives back, move through it. */
  claims: SeatClaims
  /** How often to look again while the provider's projection catches up with our selects. */
  projectionPollMs?: number
  /**
   * How long a select may take to join its order. Waiting longer counts as a failure (the provider's consumer may
   * be stuck); a select whose answer was lost and that has not joined by then was not applied.
   */
  projectionWaitLimitMs?: number
}

/** The seats a booking holds locally, with their provider place ids. */
export type BookingPlaces = Array<{ seatId: number; placeId: string | null }>

/**
 * The provider leg of one booking: one provider order per booking, driven toward where the booking is. Each step
 * is idempotent and records what it is about to do and what the provider confirmed, so a step interrupted anywhere
 * (a crash, a timeout whose request may still have been applied) is simply run again. The provider's one deadly
 * rule (research §2.3: a cancel or submit racing the asynchronous "add place to order" kills its consumer for
 * good) is kept by never submitting or cancelling until the order's `places_count` has caught up with every select
 * we sent, or those we never heard back about have had the wait limit to join.
 */
export function createProviderSaga(deps: ProviderSagaDeps) {
  const { client, clock, claims } = deps
  const repository = createProviderRepository(deps.db)
  const pollMs = deps.projectionPollMs ?? 100
  const waitLimitMs = deps.projectionWaitLimitMs ?? 30_000

  /**
   * The order's places_count once nothing more of ours can still join it: it counts every select we sent, or
   * every select has had the wait limit to join since it was last sent. RetryLater while the projection lags.
   * Submitting or cancelling is safe only after this (research §2.3: racing the asynchronous "add place to
   * order" kills the provider's consumer for good).
   */
  async function settledCount(bookingId: number, orderId: string): Promise<{ count: number; selections: Selection[] }> {
    const selections = await repository.selections(bookingId)
    if (selections.length === 0) return { count: 0, selections }
    const remote = await client.getOrder(orderId)
    const count = remote?.places_count ?? 0
    if (remote && count >= selections.length) return { count, selections }
    const lastSent = Math.max(...selections.map((s) => new Date(s.selectedAt).getTime()))
    if (clock.now().getTime() - lastSent <= waitLimitMs) {
      throw new RetryLater(pollMs, `waiting for provider order ${orderId} to count ${selections.length} places`)
    }
    const confirmed = selections.filter((s) => s.state === 'selected').length
    if (!remote || count < confirmed) {
      // The provider accepted these selects long ago and still does not count them: its consumer may be stuck.
      throw new Error(`provider order ${orderId} counts ${remote ? count : 'no'} places of ${confirmed}`)
    }
    return { count, selections }
  }

  /**
   * Decides the selects whose answer we never got, by the settled count: if the order counts all our selects they
   * are ours; if it counts only the confirmed ones, none of them is. Returns the seats that turned out not ours.
   */
  async function attribute(bookingId: number, { count, selections }: { count: number; selections: Selection[] }) {
    const unconfirmed = selections.filter((s) => s.state !== 'selected').map((s) => s.seatId)
    if (unconfirmed.length === 0) return []
    if (count >= selections.length) {
      await repository.setSelectionState(bookingId, unconfirmed, 'selected')
      return []
    }
    const joined = count - (selections.length - unconfirmed.length)
    if (joined === 0) {
      await repository.removeSelections(bookingId, unconfirmed)
      return unconfirmed
    }
    // The provider cannot tell which of them are in the order, and a release could free another order's place.
    throw new Error(`${joined} of ${unconfirmed.length} unanswered selects joined the provider order, which is unknown`)
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

      const recorded = new Map(
        (await repository.selections(bookingId)).map((selection) => [selection.seatId, selection]),
      )
      const wanted = new Set(places.map((p) => p.seatId))
      const toSend: SentPlace[] = []
      for (const { seatId, placeId } of places) {
        if ((recorded.get(seatId)?.state ?? 'sent') !== 'sent') continue
        if (!placeId) throw new Error(`seat ${seatId} has no provider place yet (places not loaded)`)
        toSend.push({ seatId, placeId })
      }
      // Written down first: if an answer is lost, its select may still have been applied. Then sent at once.
      await repository.recordSelectsSent(bookingId, toSend, clock.now())
      const answers = await Promise.allSettled(toSend.map((place) => client.selectPlace(place.placeId, order.orderId)))
      const selected: number[] = []
      const taken: number[] = []
      for (const [index, answer] of answers.entries()) {
        if (answer.status === 'rejected') continue
        const seatId = toSend[index].seatId
        const earlier = recorded.get(seatId)
        if (answer.value === 'ok') selected.push(seatId)
        // Refused at the first try: certainly not ours.
        else if (!earlier) taken.push(seatId)
        // A resend is refused also when the lost select was applied: the settled count decides below.
        else await repository.setSelectionState(bookingId, [seatId], 'contested', earlier.selectedAt)
      }
      await repository.setSelectionState(bookingId, selected, 'selected')
      await repository.removeSelections(bookingId, taken)
      const lost = answers.find((answer) => answer.status === 'rejected')
      if (lost) throw lost.reason
      // Almost always one of our own cancelled orders whose places the provider has not let go of yet.
      if (taken.length > 0) throw new Error(`provider places of seats ${taken.join(', ')} are taken`)

      const settled = await settledCount(bookingId, order.orderId)
      const notOurs = await attribute(bookingId, settled)
      if (notOurs.length > 0) throw new Error(`provider places of seats ${notOurs.join(', ')} are taken`)
      const unwanted = settled.selections.filter((s) => !wanted.has(s.seatId))
      for (const selection of unwanted) {
        const released = await client.releasePlace(selection.placeId)
        if (released === 'not-joined') throw new RetryLater(pollMs, `place ${selection.placeId} not joined yet`)
        await repository.removeSelections(bookingId, [selection.seatId])
      }
      if (unwanted.length > 0) await settledCount(bookingId, order.orderId)
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
      await repository.recordConfirmSent(bookingId, clock.now())
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
        await claims.takeOutside(await repository.selectedSeats(bookingId))
        return 'confirmed'
      }
      await settledCount(bookingId, order.orderId)
      if ((await client.cancel(order.orderId)) === 'conflict') {
        const remote = await client.getOrder(order.orderId)
        if (remote?.status === 'CONFIRMED') {
          await repository.setOrderStatus(bookingId, 'CONFIRMED')
          await claims.takeOutside(await repository.selectedSeats(bookingId))
          return 'confirmed'
        }
        if (remote?.status !== 'CANCELLED') throw new Error(`provider refused to cancel order ${order.orderId}`)
      }
      // Seats kept out of sale in case a confirm we never heard back about had gone through: they come back.
      await claims.freeOutside(await repository.selectedSeats(bookingId))
      await repository.setOrderStatus(bookingId, 'CANCELLED')
      return 'done'
    },

    /** Whether the booking's order is, or may be, CONFIRMED (a confirm was sent): its places may never come back. */
    mayBeConfirmed: (bookingId: number) => repository.mayBeConfirmed(bookingId),
  }
}

export type ProviderSaga = ReturnType<typeof createProviderSaga>
