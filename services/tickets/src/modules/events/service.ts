import { TtlCache } from '@kokdala/core'
import pLimit from 'p-limit'
import { TicketsError } from '../../errors.ts'
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
  /** Searches (query or date) reach at most this many results deep: page × pageSize. */
  searchMaxResults?: number
  /** Searches that miss the cache run this many at a time… */
  searchConcurrency?: number
  /** …and this many more wait; beyond that a search is refused with 503 SEARCH_BUSY. */
  searchQueue?: number
}

/**
 * Lists and searches events. Events do not change while the service runs (they are seeded), so answers are
 * cached in memory: a repeated search costs a map look-up. The TTL only bounds staleness after a re-seed.
 */
export function createEventService({
  events,
  cacheSize = 20_000,
  cacheTtlMs = 60_000,
  searchMaxResults = 1_000,
  searchConcurrency = 4,
  searchQueue = 32,
}: EventServiceDeps) {
  // Bounded by memory too: a key holds a client's query text (up to 200 characters), a page up to 20 titles.
  const pages = new TtlCache<string, Buffer>(cacheSize, cacheTtlMs, {
    maxBytes: 64 * 1024 * 1024,
    sizeOf: (key, body) => key.length * 2 + body.byteLength + 64,
  })
  // A search that misses the cache can read thousands of rows (a word in every other title, far pages); on PGlite
  // it also holds the only connection. So only a few run at once and the others wait in a short line: seat and
  // booking requests keep getting the database in between, whatever a client asks of the search.
  const searches = pLimit(searchConcurrency)
  const forSale = new TtlCache<number, EventForSale | null>(cacheSize, cacheTtlMs)
  // Misses being answered right now: concurrent identical requests share one database query.
  const inFlight = new Map<string, Promise<Buffer>>()

  async function load(input: ListEventsInput, query: string | undefined): Promise<Buffer> {
    const limit = input.pageSize
    const offset = (input.page - 1) * input.pageSize
    let result: EventSummary[]
    if (query || input.date) {
      if (searches.pendingCount >= searchQueue)
        throw new TicketsError('SEARCH_BUSY', undefined, undefined, { retryAfterMs: 1_000 })
      result = await searches(() => events.search({ query, date: input.date, limit, offset }))
    } else result = await events.listActive(limit, offset)
    return Buffer.from(JSON.stringify(result.map(({ id, title }) => ({ id, title }))))
  }

  function keyOf(input: ListEventsInput) {
    const query = input.query?.trim() || undefined
    return { query, key: `${query ?? ''}\u0000${input.date ?? ''}\u0000${input.page}\u0000${input.pageSize}` }
  }

  return {
    /**
     * Without `query` or `date` the active events are listed; otherwise both active and archive are searched.
     * The answer is the JSON body itself, serialised once and served from memory on every repeat.
     */
    async listJson(input: ListEventsInput): Promise<Buffer> {
      const { query, key } = keyOf(input)
      if ((query || input.date) && input.page * input.pageSize > searchMaxResults) {
        throw new TicketsError('SEARCH_TOO_DEEP', `Search results are shown up to ${searchMaxResults} deep`, {
          max_results: searchMaxResults,
        })
      }
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

    /**
     * The answer already cached for this listing, if any: the route answers a hit at once, without the promises
     * `listJson` costs (a measurable share of the service's most frequent request, bench/EVENTS-LIST-COST.md).
     */
    cachedJson(input: ListEventsInput): Buffer | undefined {
      return pages.get(keyOf(input).key)
    },

    /**
     * Whether this listing would cost the database something: a search (query or date) not in the cache. Only those
     * count against a client's search rate.
     */
    costsASearch(input: ListEventsInput): boolean {
      if (!input.date && !input.query?.trim()) return false
      const { key } = keyOf(input)
      return pages.get(key) === undefined && !inFlight.has(key)
    },

    /** The event a booking or seat listing refers to; archived events exist but sell nothing. */
    async requireOnSale(eventId: number): Promise<EventForSale> {
      let event = forSale.get(eventId)
      if (event === undefined) {
        event = (await events.findForSale(eventId)) ?? null
        forSale.set(eventId, event)
      }
      if (!event) throw new TicketsError('EVENT_NOT_FOUND', `Event ${eventId} does not exist`)
      if (event.archived) throw new TicketsError('EVENT_HAS_NO_SEATING', `Event ${eventId} is in the archive`)
      return event
    },
  }
}

export type EventService = ReturnType<typeof createEventService>
