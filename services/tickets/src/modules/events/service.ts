import { AppError, TtlCache } from '@kokdala/core'
import type { EventForSale, EventRepository, EventSummary } from './repository.ts'

export interface ListEventsInput {
  query?: string
  date?: string
  page: number
  pageSize: number
}

export interface EventServiceDeps {
  events: EventRepository
  cacheSize?: number
  cacheTtlMs?: number
}

/**
 * Lists and searches events. Events do not change while the service runs (they are seeded), so answers are
 * cached in memory: a repeated search costs a map look-up. The TTL only bounds staleness after a re-seed.
 */
export function createEventService({ events, cacheSize = 20_000, cacheTtlMs = 60_000 }: EventServiceDeps) {
  const pages = new TtlCache<string, Buffer>(cacheSize, cacheTtlMs)
  const forSale = new TtlCache<number, EventForSale | null>(cacheSize, cacheTtlMs)
  // Misses being answered right now: concurrent identical requests share one database query.
  const inFlight = new Map<string, Promise<Buffer>>()

  async function load(input: ListEventsInput, query: string | undefined): Promise<Buffer> {
    const limit = input.pageSize
    const offset = (input.page - 1) * input.pageSize
    const result: EventSummary[] =
      query || input.date
        ? await events.search({ query, date: input.date, limit, offset })
        : await events.listActive(limit, offset)
    return Buffer.from(JSON.stringify(result.map(({ id, title }) => ({ id, title }))))
  }

  return {
    /**
     * Without `query` or `date` the active events are listed; otherwise both active and archive are searched.
     * The answer is the JSON body itself, serialised once and served from memory on every repeat.
     */
    async listJson(input: ListEventsInput): Promise<Buffer> {
      const query = input.query?.trim() || undefined
      const key = `${query ?? ''}\u0000${input.date ?? ''}\u0000${input.page}\u0000${input.pageSize}`
      const cached = pages.get(key)
      if (cached) return cached
      let pending = inFlight.get(key)
      if (!pending) {
        pending = load(input, query)
          .then((body) => {
            pages.set(key, body)
            return body
          })
          .finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      return pending
    },

    /** The event a booking or seat listing refers to; archived events exist but sell nothing. */
    async requireOnSale(eventId: number): Promise<EventForSale> {
      let event = forSale.get(eventId)
      if (event === undefined) {
        event = (await events.findForSale(eventId)) ?? null
        forSale.set(eventId, event)
      }
      if (!event) throw new AppError('EVENT_NOT_FOUND', `Event ${eventId} does not exist`)
      if (event.archived) throw new AppError('EVENT_HAS_NO_SEATING', `Event ${eventId} is in the archive`)
      return event
    },
  }
}

export type EventService = ReturnType<typeof createEventService>
