import { createBatcher, formatTenge } from '@kokdala/core'
import { TicketsError } from '../../errors.ts'
import type { EventService } from '../events/service.ts'
import { lastSeatId, layoutFor } from './halls.ts'
import {
  mayBeItemFault,
  type SeatChangeResult,
  type SeatRepository,
  type SeatRow,
  type SeatSelectRequest,
  type SeatStatus,
} from './repository.ts'

export interface ListSeatsInput {
  eventId: number
  row?: number
  status?: SeatStatus
  /** Absent page with status=FREE asks for suggestions rather than a stable page (see `list`). */
  page?: number
  pageSize: number
}

export interface SeatView {
  id: number
  row: number
  number: number
  status: SeatStatus
  price: string
}

export interface SeatServiceDeps {
  seats: SeatRepository
  events: EventService
  maxSeatsPerBooking: number
  /** Seats one user may hold (RESERVED) per event; 0 or absent: no cap. */
  maxReservedSeatsPerUser?: number
  random?: () => number
}

/** Seat listing, selection and release; the rules themselves live in the database functions. */
export function createSeatService({
  seats,
  events,
  maxSeatsPerBooking,
  maxReservedSeatsPerUser = 0,
  random = Math.random,
}: SeatServiceDeps) {
  const readyHalls = new Set<number>()
  // A layout is pure arithmetic on the event id, but the stadium's builds 100 prices: compute each range once,
  // not on every FREE listing.
  const seatRanges = new Map<number, { firstSeatId: number; span: number }>()
  function seatRange(eventId: number) {
    let range = seatRanges.get(eventId)
    if (!range) {
      const layout = layoutFor(eventId)
      range = { firstSeatId: layout.firstSeatId, span: lastSeatId(layout) - layout.firstSeatId + 1 }
      seatRanges.set(eventId, range)
    }
    return range
  }
  const userCap = maxReservedSeatsPerUser > 0 ? maxReservedSeatsPerUser : null
  // Concurrent selects share a transaction (group commit); alone, a select is a batch of one and waits for nothing.
  // A batch that fails is split until the failing select is alone, so one request can never fail another's.
  // With the per-user cap, select_seats locks each user of a batch: a user's selects go one batch at a time, so
  // one user sending many at once never makes other users' batches wait for that lock.
  const selects = createBatcher<SeatSelectRequest, SeatChangeResult>({
    run: (requests) => seats.selectMany(requests, maxSeatsPerBooking, userCap),
    isolate: mayBeItemFault,
    key: userCap === null ? undefined : (request) => request.userId,
  })

  async function ensureHall(eventId: number): Promise<void> {
    if (readyHalls.has(eventId)) return
    await events.requireOnSale(eventId)
    await seats.materializeHall(eventId, layoutFor(eventId))
    readyHalls.add(eventId)
  }

  /**
   * FREE seats for a buyer who did not ask for a page: the list starts at a random seat and wraps around.
   * Buyers who all take "the first free seat" at the same moment then rarely pick the same one, while
   * the answer stays truthful (only FREE seats, unique, at most pageSize).
   */
  async function suggestFree(input: ListSeatsInput): Promise<SeatRow[]> {
    const { firstSeatId, span } = seatRange(input.eventId)
    const start = firstSeatId + Math.floor(random() * span)
    const filter = { eventId: input.eventId, row: input.row, limit: input.pageSize, offset: 0 }
    const tail = await seats.listFree(filter, start)
    if (tail.length >= input.pageSize) return tail
    const head = await seats.listFree({ ...filter, limit: input.pageSize - tail.length }, 0, start)
    return [...tail, ...head]
  }

  return {
    ensureHall,

    async list(input: ListSeatsInput): Promise<SeatView[]> {
      await ensureHall(input.eventId)
      const filter = {
        eventId: input.eventId,
        row: input.row,
        limit: input.pageSize,
        offset: ((input.page ?? 1) - 1) * input.pageSize,
      }
      let rows: SeatRow[]
      if (input.status === 'FREE') rows = input.page ? await seats.listFree(filter) : await suggestFree(input)
      else if (input.status) rows = await seats.listClaimed(filter, input.status)
      else rows = await seats.list(filter)
      return rows.map((seat) => ({ ...seat, price: formatTenge(seat.price) }))
    },

    /** Adds a seat to the user's booking; 419 when it is not free, 403 when the booking is not theirs. */
    async select(userId: number, bookingId: number, seatId: number): Promise<void> {
      const result = await selects.submit({ bookingId, seatId, userId })
      if (result !== 'OK') throw new TicketsError(result, undefined, { booking_id: bookingId, seat_id: seatId })
    },

    /** The event's seat counts and revenue (the seats' part of its analytics). */
    async salesOf(eventId: number) {
      await ensureHall(eventId)
      return seats.salesOf(eventId)
    },

    /** Frees a seat of the user's editable booking at once. */
    async release(userId: number, seatId: number): Promise<void> {
      const result = await seats.release(seatId, userId)
      if (result !== 'OK') throw new TicketsError(result, undefined, { seat_id: seatId })
    },
  }
}

export type SeatService = ReturnType<typeof createSeatService>
