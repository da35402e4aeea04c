import type { Queryable } from '@kokdala/core'
import { createBookingRecords } from '../bookings/records.ts'
import { createSeatClaims } from '../seats/claims.ts'
import type { ProviderClient, ProviderPlace } from './client.ts'
import { PROVIDER_EVENT_ID, seatIdOfPlace } from './places.ts'
import { createProviderRepository } from './repository.ts'

/** Our side of one provider place: its seat's claim, the claim's booking, and whether an open order of ours holds it. */
interface LocalPlace {
  seatId: number
  placeId: string
  claimStatus: 'RESERVED' | 'SOLD' | null
  bookingStatus: string | null
  outside: boolean
  openOrder: boolean
}

export interface PlaceDifference {
  seatId: number
  placeId: string
  /** FREE, RESERVED/SOLD with the booking's status, or "SOLD outside Biletter". */
  local: string
  provider: 'free' | 'taken'
}

/** A provider place the stadium has no seat for: the loader skips it, so nobody can buy it here. */
export interface UnmappablePlaceDifference {
  placeId: string
  row: number
  seat: number
  provider: 'free' | 'taken'
}

export interface OrderDifference {
  bookingId: number
  orderId: string
  local: string
  provider: string
}

export interface ReconciliationReport {
  places: number
  /** Places whose two sides may still legitimately differ: a saga is moving them right now. */
  inFlight: number
  placeDifferences: PlaceDifference[]
  /** Places we cannot map to a seat, a difference of their own: an operator fixes them at the provider. */
  unmappablePlaces: UnmappablePlaceDifference[]
  orders: number
  orderDifferences: OrderDifference[]
}

/**
 * Compares what Biletter and the Event Provider believe about every stadium place and every provider order we
 * created. Agreement means: a place is free at the provider exactly when it is FREE here or only reserved by a
 * booking that has not started paying. A booking paying right now, or a cancelled order whose places the provider
 * is still releasing, is counted as in flight rather than as a difference. Provider places the stadium has no
 * seat for are listed apart: they are not a disagreement about a seat but a place we cannot sell.
 */
export async function reconcileWithProvider(db: Queryable, client: ProviderClient): Promise<ReconciliationReport> {
  const repository = createProviderRepository(db)
  const local = await localPlaces(db)
  const report: ReconciliationReport = {
    places: 0,
    inFlight: 0,
    placeDifferences: [],
    unmappablePlaces: [],
    orders: 0,
    orderDifferences: [],
  }
  await client.eachPlacePage((places) => {
    for (const place of places) comparePlace(report, place, local.get(place.id))
  })

  const orders = await repository.orders()
  for (const order of orders) {
    report.orders++
    const remote = await client.getOrder(order.orderId)
    if (remote?.status !== order.status) {
      report.orderDifferences.push({ ...order, local: order.status, provider: remote?.status ?? 'unknown' })
    }
  }
  return report
}

/**
 * What Biletter believes about each of the event's provider places, put together from each owner's answer
 * (docs/adr/0005-one-owner-per-table.md): the seats and their claims from the seats module, the claims' bookings'
 * statuses from the bookings module, and the places of our open orders from this module's own tables.
 */
async function localPlaces(db: Queryable): Promise<Map<string, LocalPlace>> {
  const seats = await createSeatClaims(db).placesOfEvent(PROVIDER_EVENT_ID)
  const bookingIds = [...new Set(seats.flatMap((seat) => (seat.bookingId === null ? [] : [seat.bookingId])))]
  const statuses = await createBookingRecords(db).statusesOf(bookingIds)
  const inOpenOrders = new Set(await createProviderRepository(db).placesInOpenOrders())
  const places = new Map<string, LocalPlace>()
  for (const seat of seats) {
    places.set(seat.placeId, {
      seatId: seat.seatId,
      placeId: seat.placeId,
      claimStatus: seat.claimStatus,
      bookingStatus: seat.bookingId === null ? null : (statuses.get(seat.bookingId) ?? null),
      outside: seat.claimed && seat.bookingId === null,
      openOrder: inOpenOrders.has(seat.placeId),
    })
  }
  return places
}

/** Adds one provider place to the report: agreement, in flight, or a difference of one kind or the other. */
function comparePlace(report: ReconciliationReport, place: ProviderPlace, mine: LocalPlace | undefined): void {
  report.places++
  const providerSide = place.is_free ? 'free' : 'taken'
  if (seatIdOfPlace(place) === undefined) {
    report.unmappablePlaces.push({ placeId: place.id, row: place.row, seat: place.seat, provider: providerSide })
    return
  }
  if (!mine) {
    // Fits the stadium but holds no seat: created at the provider since the last load, or a second place at a
    // row and seat another place already holds.
    report.placeDifferences.push({ seatId: 0, placeId: place.id, local: 'no such seat', provider: providerSide })
    return
  }
  const verdict = expected(mine)
  if (verdict === 'either') report.inFlight++
  else if (verdict !== providerSide) {
    report.placeDifferences.push({
      seatId: mine.seatId,
      placeId: place.id,
      local: describe(mine),
      provider: providerSide,
    })
  }
}

/** What the provider should say about a place, given our side. */
function expected(place: LocalPlace): 'free' | 'taken' | 'either' {
  if (place.outside) return 'taken'
  if (place.openOrder) return 'either'
  if (!place.claimStatus) return 'free'
  if (place.bookingStatus === 'CREATED') return 'free'
  if (place.bookingStatus === 'CONFIRMED') return 'taken'
  return 'either'
}

function describe(place: LocalPlace): string {
  if (place.outside) return 'SOLD outside Biletter'
  if (!place.claimStatus) return 'FREE'
  return `${place.claimStatus} (booking ${place.bookingStatus})`
}
