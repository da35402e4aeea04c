import { randomUUID } from 'node:crypto'
import { fail, type Outcome, succeed } from './errors.ts'
import { parseUuid, seededPlaceId } from './ids.ts'

export type OrderStatus = 'STARTED' | 'SUBMITTED' | 'CONFIRMED' | 'CANCELLED'

/** An order as `GET /api/partners/v1/orders/{id}` shows it (times in epoch milliseconds). */
export interface OrderView {
  id: string
  status: OrderStatus
  started_at: number
  updated_at: number
  places_count: number
}

/** A place as the places projection shows it. */
export interface PlaceView {
  id: string
  row: number
  seat: number
  is_free: boolean
}

export interface HallSize {
  rows: number
  seatsPerRow: number
}

export interface ProviderStateOptions {
  places: HallSize
  /** How long the outbox → Kafka → consumer path takes to apply a change to the projections and the order. */
  projectionLagMs: number
  /** How long after a winning select a second select still counts as racing it (read the old revision). */
  raceWindowMs: number
  /** Share of racing losers that hit the event-store primary key (500) instead of reading the new state (409). */
  raceFailure500Probability: number
  clock: () => number
  random: () => number
  newOrderId?: () => string
}

interface Selection {
  orderId: string
  selectedAt: number
  /** When the asynchronous consumer adds the place to the order and flips `is_free`. */
  joinsAt: number
  /** Submitted or cancelled before it joined: the consumer's add fails, so it never joins and never frees. */
  stranded: boolean
}

interface Place {
  id: string
  row: number
  seat: number
  /** When the place's projection row exists (admin-created places appear after the lag). */
  visibleAt: number
  /** The Place aggregate: written synchronously by `select`, cleared only when an asynchronous release lands. */
  selection: Selection | null
  /** When a pending release (from `release` or `cancel`) lands and the place is free again. */
  freesAt: number | null
}

interface Order {
  id: string
  status: OrderStatus
  startedAt: number
  updatedAt: number
  visibleAt: number
  /** Places selected for this order and not released; each counts once its selection has joined. */
  placeIds: Set<string>
  /** `places_count` frozen at cancellation, when the order stops holding places. */
  cancelledCount: number | null
}

/** Orders the hall the way the provider's SQL does: `ORDER BY row, seat` (id breaks ties between duplicates). */
function comparePlaces(a: Place, b: Place): number {
  return a.row - b.row || a.seat - b.seat || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

const JAVA_INT_MAX = 2 ** 31 - 1

function isJavaInt(value: unknown): value is number {
  return Number.isInteger(value) && Math.abs(value as number) <= JAVA_INT_MAX
}

/**
 * The provider's whole state in memory: the Order and Place aggregates (changed synchronously) and the projections
 * that follow them `projectionLagMs` later. Lag is modelled as timestamps checked on read, so it is deterministic
 * under a fake clock and needs no timers.
 */
export function createProviderState(options: ProviderStateOptions) {
  const { clock, random, projectionLagMs: lag } = options
  const newOrderId = options.newOrderId ?? randomUUID
  const placesById = new Map<string, Place>()
  const orders = new Map<string, Order>()
  // Kept sorted so a page is one slice; admin inserts are rare and use binary insertion.
  const sortedPlaces: Place[] = []
  let pendingVisibility = 0

  for (let row = 1; row <= options.places.rows; row++) {
    for (let seat = 1; seat <= options.places.seatsPerRow; seat++) {
      const place: Place = { id: seededPlaceId(row, seat), row, seat, visibleAt: 0, selection: null, freesAt: null }
      placesById.set(place.id, place)
      sortedPlaces.push(place)
    }
  }

  /** Applies a release whose time has come: the aggregate forgets the selection and the place is free. */
  function settle(place: Place, now: number): Place {
    if (place.freesAt !== null && now >= place.freesAt) {
      place.selection = null
      place.freesAt = null
    }
    return place
  }

  function hasJoined(place: Place, order: Order, now: number): boolean {
    const selection = place.selection
    return selection !== null && selection.orderId === order.id && !selection.stranded && now >= selection.joinsAt
  }

  function joinedPlaces(order: Order, now: number): Place[] {
    const joined: Place[] = []
    for (const id of order.placeIds) {
      const place = placesById.get(id)!
      if (hasJoined(place, order, now)) joined.push(place)
    }
    return joined
  }

  /** Places whose add-to-order has not happened yet get stranded: the real consumer throws on a non-STARTED order. */
  function strandPending(order: Order, now: number): void {
    for (const id of order.placeIds) {
      const place = placesById.get(id)!
      if (place.selection && now < place.selection.joinsAt) {
        place.selection.stranded = true
        order.placeIds.delete(id)
      }
    }
  }

  function viewPlace(place: Place, now: number): PlaceView {
    settle(place, now)
    const selection = place.selection
    return { id: place.id, row: place.row, seat: place.seat, is_free: !(selection && now >= selection.joinsAt) }
  }

  /** Loads an order aggregate for a command: malformed id → 500, unknown → 500 (no 404 on commands). */
  function loadOrder(rawId: string): Outcome<Order> {
    const id = parseUuid(rawId)
    if (!id) return fail('MalformedId')
    const order = orders.get(id)
    return order ? succeed(order) : fail('UnknownAggregate')
  }

  function loadPlace(rawId: string): Outcome<Place> {
    const id = parseUuid(rawId)
    if (!id) return fail('MalformedId')
    const place = placesById.get(id)
    return place ? succeed(settle(place, clock())) : fail('UnknownAggregate')
  }

  return {
    /** `POST orders`: the aggregate exists at once, its projection row only after the lag. */
    createOrder(): Outcome<{ order_id: string }> {
      const now = clock()
      const order: Order = {
        id: newOrderId(),
        status: 'STARTED',
        startedAt: now,
        updatedAt: now,
        visibleAt: now + lag,
        placeIds: new Set(),
        cancelledCount: null,
      }
      orders.set(order.id, order)
      return succeed({ order_id: order.id })
    },

    /** `GET orders/{id}` reads the orders projection: 404 until it exists, `places_count` counts joined places. */
    getOrder(rawId: string): Outcome<OrderView> {
      const id = parseUuid(rawId)
      if (!id) return fail('MalformedId')
      const now = clock()
      const order = orders.get(id)
      if (!order || now < order.visibleAt) return fail('NotFound')
      const joined = joinedPlaces(order, now)
      let updatedAt = order.updatedAt
      for (const place of joined) updatedAt = Math.max(updatedAt, place.selection!.joinsAt)
      return succeed({
        id: order.id,
        status: order.status,
        started_at: order.startedAt,
        updated_at: updatedAt,
        places_count: order.cancelledCount ?? joined.length,
      })
    },

    /** `PATCH orders/{id}/submit`: needs STARTED and at least one place already added to the order. */
    submitOrder(rawId: string): Outcome<void> {
      const loaded = loadOrder(rawId)
      if (!loaded.ok) return loaded
      const order = loaded.value
      const now = clock()
      if (order.status !== 'STARTED') return fail('OrderNotStarted')
      if (joinedPlaces(order, now).length === 0) return fail('NoPlacesAdded')
      strandPending(order, now)
      order.status = 'SUBMITTED'
      order.updatedAt = now
      return succeed(undefined)
    },

    /** `PATCH orders/{id}/confirm`: SUBMITTED → CONFIRMED, terminal; its places stay taken forever. */
    confirmOrder(rawId: string): Outcome<void> {
      const loaded = loadOrder(rawId)
      if (!loaded.ok) return loaded
      const order = loaded.value
      if (order.status !== 'SUBMITTED') return fail('OrderNotSubmitted')
      order.status = 'CONFIRMED'
      order.updatedAt = clock()
      return succeed(undefined)
    },

    /** `PATCH orders/{id}/cancel`: frees, after the lag, only the places already added to the order. */
    cancelOrder(rawId: string): Outcome<void> {
      const loaded = loadOrder(rawId)
      if (!loaded.ok) return loaded
      const order = loaded.value
      const now = clock()
      if (order.status === 'CANCELLED') return fail('OrderAlreadyCancelled')
      if (order.status === 'CONFIRMED') return fail('ConfirmedOrderCanNotBeCancelled')
      strandPending(order, now)
      const joined = joinedPlaces(order, now)
      for (const place of joined) place.freesAt = now + lag
      order.cancelledCount = joined.length
      order.placeIds.clear()
      order.status = 'CANCELLED'
      order.updatedAt = now
      return succeed(undefined)
    },

    /** `GET places`: one page of the places projection, ordered by row and seat. Arguments already normalised. */
    listPlaces(page: number, pageSize: number): PlaceView[] {
      const now = clock()
      const offset = (page - 1) * pageSize
      const visible = pendingVisibility > 0 ? sortedPlaces.filter((place) => now >= place.visibleAt) : sortedPlaces
      if (pendingVisibility > 0 && visible.length === sortedPlaces.length) pendingVisibility = 0
      return visible.slice(offset, offset + pageSize).map((place) => viewPlace(place, now))
    },

    /** `GET places/{id}`: 404 for an unknown id or one whose projection row does not exist yet. */
    getPlace(rawId: string): Outcome<PlaceView> {
      const id = parseUuid(rawId)
      if (!id) return fail('MalformedId')
      const now = clock()
      const place = placesById.get(id)
      if (!place || now < place.visibleAt) return fail('NotFound')
      return succeed(viewPlace(place, now))
    },

    /**
     * `PATCH places/{id}/select`: the Place aggregate records the selection at once; the place joins the order
     * after the lag. A loser of a race within `raceWindowMs` may get the event store's PK clash (500), not 409.
     */
    selectPlace(rawPlaceId: string, body: unknown): Outcome<void> {
      const placeId = parseUuid(rawPlaceId)
      if (!placeId) return fail('MalformedId')
      const orderId =
        typeof body === 'object' && body !== null ? parseUuid((body as { order_id?: unknown }).order_id) : undefined
      if (!orderId) return fail('InvalidBody')
      const now = clock()
      const place = placesById.get(placeId)
      const order = orders.get(orderId)
      if (!place || !order) return fail('UnknownAggregate')
      if (order.status !== 'STARTED') return fail('OrderNotStarted')
      settle(place, now)
      if (place.selection) {
        const racing = now - place.selection.selectedAt < options.raceWindowMs
        return fail(
          racing && random() < options.raceFailure500Probability ? 'ConcurrentAppend' : 'PlaceAlreadySelected',
        )
      }
      place.selection = { orderId: order.id, selectedAt: now, joinsAt: now + lag, stranded: false }
      order.placeIds.add(place.id)
      return succeed(undefined)
    },

    /**
     * `PATCH places/{id}/release`: takes the place out of whichever order holds it at once; the place itself is
     * free only after the lag, so selecting it again before then is a 409.
     */
    releasePlace(rawPlaceId: string): Outcome<void> {
      const loaded = loadPlace(rawPlaceId)
      if (!loaded.ok) return loaded
      const place = loaded.value
      const now = clock()
      const selection = place.selection
      if (!selection) return fail('PlaceNotSelected')
      const order = orders.get(selection.orderId)!
      if (order.status !== 'STARTED') return fail('OrderNotStarted')
      if (place.freesAt !== null || !hasJoined(place, order, now) || !order.placeIds.has(place.id)) {
        return fail('PlaceNotAdded')
      }
      order.placeIds.delete(place.id)
      order.updatedAt = now
      place.freesAt = now + lag
      return succeed(undefined)
    },

    /** `POST /api/admin/v1/places`: a new place with a random id, listed once its projection row exists. */
    createPlace(body: unknown): Outcome<{ place_id: string }> {
      if (typeof body !== 'object' || body === null) return fail('InvalidBody')
      const { row, seat } = body as { row?: unknown; seat?: unknown }
      if (!isJavaInt(row) || !isJavaInt(seat)) return fail('InvalidBody')
      const place: Place = { id: randomUUID(), row, seat, visibleAt: clock() + lag, selection: null, freesAt: null }
      placesById.set(place.id, place)
      let low = 0
      let high = sortedPlaces.length
      while (low < high) {
        const middle = (low + high) >>> 1
        if (comparePlaces(sortedPlaces[middle]!, place) < 0) low = middle + 1
        else high = middle
      }
      sortedPlaces.splice(low, 0, place)
      if (lag > 0) pendingVisibility++
      return succeed({ place_id: place.id })
    },

    /** How many places the hall holds, visible or not (for start-up messages and tests). */
    placeCount(): number {
      return sortedPlaces.length
    },
  }
}

export type ProviderState = ReturnType<typeof createProviderState>
