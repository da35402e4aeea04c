import type { Database } from '@kokdala/core'
import { Gauge, type Registry } from 'prom-client'
import type { PlacePage, SeatClaims } from '../seats/claims.ts'
import { seatIdAt, stadiumLayout } from '../seats/halls.ts'
import type { ProviderClient, ProviderPlace } from './client.ts'
import { createProviderRepository } from './repository.ts'

/** The event whose seats live at the Event Provider: the 100 000-seat stadium concert. */
export const PROVIDER_EVENT_ID = 1

/** Pages loaded at once: the listing is 100 pages, and each lane both fetches a page and applies it. */
const LOAD_LANES = 4

/** How many unmappable places a load report names; the count covers the rest. */
const UNMAPPABLE_EXAMPLES = 5

const STADIUM = stadiumLayout()

/** A provider place with no seat in the stadium (row or seat out of range). */
export interface UnmappablePlace {
  id: string
  row: number
  seat: number
}

export interface PlaceLoadReport {
  /** Places the provider listed, unmappable ones included. */
  places: number
  /** Places the provider reports taken that no booking of ours holds: not FREE here. */
  takenOutside: number
  freedOutside: number
  newlyMapped: number
  /**
   * Places the stadium has no seat for (an admin's typo at the provider, say): skipped, so one odd place cannot
   * stop the other 100 000 from loading, and never sold here.
   */
  unmappable: number
  /** A few of them, for the operator reading the log. */
  unmappableExamples: UnmappablePlace[]
  pages: number
  ms: number
}

/**
 * The local seat id of a provider place: (row − 1) × 1000 + seat, the local stadium layout's id, so ids are stable
 * across loads and the layout's rows give the prices. Undefined for a place outside the stadium.
 */
export function seatIdOfPlace(place: Pick<ProviderPlace, 'row' | 'seat'>): number | undefined {
  return seatIdAt(STADIUM, place.row, place.seat)
}

/** Splits a page of provider places into the ones mapped to local seats and the ones the stadium has no seat for. */
function mapPage(places: ProviderPlace[]): { mapped: PlacePage; unmappable: UnmappablePlace[] } {
  const mapped: PlacePage = { seatIds: [], placeIds: [], free: [] }
  const unmappable: UnmappablePlace[] = []
  for (const place of places) {
    const seatId = seatIdOfPlace(place)
    if (seatId === undefined) {
      unmappable.push({ id: place.id, row: place.row, seat: place.seat })
      continue
    }
    mapped.seatIds.push(seatId)
    mapped.placeIds.push(place.id)
    mapped.free.push(place.is_free)
  }
  return { mapped, unmappable }
}

/**
 * Loads the stadium's places from the provider (all pages, a few at a time) and maps them to local seats with
 * `seatIdOfPlace`. Run at start-up and on reset; idempotent.
 */
export function createPlaceLoader(deps: {
  db: Database
  client: ProviderClient
  /** The seats module's inventory: the places are applied through it. */
  claims: SeatClaims
  /** Materialises the event's hall (seats with prices by row) if it is not there yet. */
  ensureHall: () => Promise<void>
}) {
  const { db, client } = deps
  const repository = createProviderRepository(db)

  return {
    async load(onPage?: (page: number) => void): Promise<PlaceLoadReport> {
      const started = performance.now()
      await deps.ensureHall()
      const report: Omit<PlaceLoadReport, 'ms'> = {
        places: 0,
        takenOutside: 0,
        freedOutside: 0,
        newlyMapped: 0,
        unmappable: 0,
        unmappableExamples: [],
        pages: 0,
      }
      await client.eachPlacePage(async (places, page) => {
        const { mapped, unmappable } = mapPage(places)
        if (mapped.seatIds.length > 0) {
          // Places of our own orders the provider is still moving are ours, whatever the listing says.
          const taken = mapped.placeIds.filter((_, index) => !mapped.free[index])
          const inFlight = taken.length > 0 ? await repository.placesInFlight(taken) : []
          const applied = await deps.claims.applyProviderPlaces(mapped, inFlight)
          report.takenOutside += applied.taken
          report.freedOutside += applied.freed
          report.newlyMapped += applied.mapped
        }
        report.places += places.length
        report.unmappable += unmappable.length
        report.unmappableExamples.push(...unmappable.slice(0, UNMAPPABLE_EXAMPLES - report.unmappableExamples.length))
        report.pages++
        onPage?.(page)
      }, LOAD_LANES)
      return { ...report, ms: Math.round(performance.now() - started) }
    },
  }
}

export type PlaceLoader = ReturnType<typeof createPlaceLoader>

export interface PlaceSyncDeps {
  loader: PlaceLoader
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  /** Pause before trying again after a failed load (the provider is down). */
  retryMs?: number
}

/**
 * Keeps event 1's seats in line with the provider's places: one load at a time, retried until it succeeds. Start-up
 * and every reset ask for a load; a request made while a load runs gets one more load after it (the running one may
 * have read pages before the change the caller wants seen), and many such requests share that one.
 */
export function createPlaceSync({ loader, log, retryMs = 5_000 }: PlaceSyncDeps) {
  let running: Promise<PlaceLoadReport | undefined> | undefined
  let lastLoad: { at: Date; report: PlaceLoadReport } | undefined
  let again = false
  let stopped = false
  let wake: (() => void) | undefined

  async function loadUntilDone(): Promise<PlaceLoadReport> {
    for (;;) {
      again = false
      try {
        const report = await loader.load()
        lastLoad = { at: new Date(), report }
        log.info(report, 'event provider places loaded')
        if (!again) return report
      } catch (error) {
        if (stopped) throw error
        log.warn({ err: error }, `event provider places could not be loaded; retrying in ${retryMs / 1000} s`)
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, retryMs).unref()
        })
        if (stopped) throw error
      }
    }
  }

  return {
    /**
     * Resolves with the report of a load that started after this call, or undefined when the sync was stopped first.
     * Never rejects: callers may leave it running in the background.
     */
    reload(): Promise<PlaceLoadReport | undefined> {
      if (running) {
        again = true
        return running
      }
      running = loadUntilDone()
        .catch(() => undefined)
        .finally(() => {
          running = undefined
        })
      return running
    },
    /** When the last load finished, and what it found; undefined until the first one has. */
    lastLoad: () => lastLoad,
    /** Stops retrying; a load in progress finishes, a waiting retry gives up. */
    stop(): void {
      stopped = true
      wake?.()
    },
  }
}

export type PlaceSync = ReturnType<typeof createPlaceSync>

/** Publishes the place sync's state on /metrics: operators (and benchmarks) see when event 1 was last in line. */
export function registerPlaceSyncMetrics(registry: Registry, sync: PlaceSync): void {
  new Gauge({
    name: 'provider_places_loaded_timestamp_seconds',
    help: "When event 1's places were last loaded from the Event Provider (0: not yet)",
    registers: [registry],
    collect() {
      this.set((sync.lastLoad()?.at.getTime() ?? 0) / 1000)
    },
  })
  new Gauge({
    name: 'provider_places_taken_outside',
    help: 'Places the provider reported taken outside our bookings at the last load',
    registers: [registry],
    collect() {
      this.set(sync.lastLoad()?.report.takenOutside ?? 0)
    },
  })
}
