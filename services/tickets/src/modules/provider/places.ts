import type { Database } from '@kokdala/core'
import { stadiumLayout } from '../seats/halls.ts'
import { PROVIDER_PAGE_SIZE, type ProviderClient, type ProviderPlace } from './client.ts'
import { createProviderRepository } from './repository.ts'

/** The event whose seats live at the Event Provider: the 100 000-seat stadium concert. */
export const PROVIDER_EVENT_ID = 1

export interface PlaceLoadReport {
  places: number
  /** Places the provider reports taken that no booking of ours holds: not FREE here. */
  takenOutside: number
  freedOutside: number
  newlyMapped: number
  pages: number
  ms: number
}

/**
 * Loads the stadium's places from the provider (all pages, a few at a time) and maps them to local seats:
 * seat id = (row − 1) × 1000 + seat, so ids are stable across loads and equal the local stadium layout's, whose
 * rows give the prices. Run at start-up and on reset; idempotent.
 */
export function createPlaceLoader(deps: {
  db: Database
  client: ProviderClient
  /** Materialises the event's hall (seats with prices by row) if it is not there yet. */
  ensureHall: () => Promise<void>
}) {
  const { db, client } = deps
  const layout = stadiumLayout()
  const repository = createProviderRepository(db)

  function seatIdOf(place: ProviderPlace): number {
    if (place.row < 1 || place.row > layout.rows || place.seat < 1 || place.seat > layout.seatsPerRow) {
      throw new Error(`provider place ${place.id} at row ${place.row}, seat ${place.seat} is outside the stadium`)
    }
    return (place.row - 1) * layout.rowStride + place.seat
  }

  return {
    async load(onPage?: (page: number) => void): Promise<PlaceLoadReport> {
      const started = performance.now()
      await deps.ensureHall()
      const report = { places: 0, takenOutside: 0, freedOutside: 0, newlyMapped: 0, pages: 0 }
      let nextPage = 1
      let done = false
      // Pages are fetched four at a time; the listing ends at the first short page.
      const lane = async () => {
        while (!done) {
          const page = nextPage++
          const places = await client.listPlaces(page, PROVIDER_PAGE_SIZE)
          if (places.length < PROVIDER_PAGE_SIZE) done = true
          if (places.length === 0) continue
          const applied = await repository.applyPlaces({
            seatIds: places.map(seatIdOf),
            placeIds: places.map((p) => p.id),
            free: places.map((p) => p.is_free),
          })
          report.places += places.length
          report.takenOutside += applied.taken
          report.freedOutside += applied.freed
          report.newlyMapped += applied.mapped
          report.pages++
          onPage?.(page)
        }
      }
      await Promise.all([lane(), lane(), lane(), lane()])
      return { ...report, ms: Math.round(performance.now() - started) }
    },
  }
}

export type PlaceLoader = ReturnType<typeof createPlaceLoader>
