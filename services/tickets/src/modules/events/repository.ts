import type { Database, Queryable } from '@kokdala/core'
import { TicketsError } from '../../errors.ts'

/** PostgreSQL's SQLSTATE for a statement stopped by statement_timeout. */
const QUERY_CANCELED = '57014'

export interface EventSummary {
  id: number
  title: string
}

export interface EventForSale {
  id: number
  archived: boolean
  startsAt: Date
}

export interface EventSearch {
  query?: string
  date?: string
  limit: number
  offset: number
}

/** Time the early-stopping plan gets before the search falls back to the GIN bitmap plan. */
const ORDERED_SCAN_BUDGET_MS = 100

/**
 * The only place with SQL over events. Results are always ordered by id, so paging is stable. On PostgreSQL no
 * search runs longer than `searchTimeoutMs` (503 SEARCH_TIMEOUT); PGlite cannot interrupt a statement, so there the
 * service's depth cap and search concurrency are what bound a search.
 */
export function createEventRepository(db: Database, { searchTimeoutMs = 2_000 } = {}) {
  /** Runs a search statement with the given planner settings under the search deadline. */
  async function searchWith(settings: string, sql: string, params: unknown[], timeoutMs = searchTimeoutMs) {
    return db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}; ${settings}`)
      return (await tx.query<EventSummary>(sql, params)).rows
    })
  }

  /**
   * Full-text matches of a frequent query are best found by walking the primary key in id order and stopping
   * after one page; rare ones through the GIN index. PostgreSQL picks from estimates that go wrong both ways here:
   * it assumes the words of a query are independent, so for a phrase like `Экспозиция "Звездные войны"` it
   * expects a few hundred matches where there are tens of thousands and reads them all from the heap to sort them
   * (≈ 200–500 ms on 6 M events), and for a word it has no statistics on it walks the whole table (seconds).
   * So a text search without a date tries the ordered walk under a time budget and, when that runs out (a rare
   * query, where the walk finds too little), uses the index. A date narrows the search to one day through its
   * own index, so those queries keep the planner's choice.
   */
  async function searchAdaptively(sql: string, params: unknown[]): Promise<EventSummary[]> {
    const fixed = 'SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0;'
    try {
      return await searchWith(`${fixed} SET LOCAL enable_bitmapscan = off`, sql, params, ORDERED_SCAN_BUDGET_MS)
    } catch (error) {
      if ((error as { code?: string }).code !== QUERY_CANCELED) throw error
      return searchWith(`${fixed} SET LOCAL enable_indexscan = off`, sql, params)
    }
  }

  /** A search past its deadline is the client's answer to wait and narrow it, never a 500. */
  async function deadlined(run: () => Promise<EventSummary[]>): Promise<EventSummary[]> {
    try {
      return await run()
    } catch (error) {
      if ((error as { code?: string }).code === QUERY_CANCELED) {
        throw new TicketsError('SEARCH_TIMEOUT', undefined, { timeout_ms: searchTimeoutMs })
      }
      throw error
    }
  }

  return {
    async listActive(limit: number, offset: number): Promise<EventSummary[]> {
      const { rows } = await db.query<EventSummary>(
        'SELECT id, title FROM event WHERE NOT archived ORDER BY id LIMIT $1 OFFSET $2',
        [limit, offset],
      )
      return rows
    },

    /** Active and archive events matching Russian word forms and quoted phrases, optionally on one day. */
    async search({ query, date, limit, offset }: EventSearch): Promise<EventSummary[]> {
      const where: string[] = []
      const params: unknown[] = [limit, offset]
      if (query) {
        params.push(query)
        where.push(`search @@ websearch_to_tsquery('russian', $${params.length})`)
      }
      if (date) {
        params.push(date)
        where.push(`starts_at >= $${params.length}::date AND starts_at < $${params.length}::date + 1`)
      }
      const sql = `SELECT id, title FROM event WHERE ${where.join(' AND ')} ORDER BY id LIMIT $1 OFFSET $2`
      if (db.kind === 'pglite') return (await db.query<EventSummary>(sql, params)).rows
      return deadlined(() => (query && !date ? searchAdaptively(sql, params) : searchWith('', sql, params)))
    },

    async findForSale(id: number): Promise<EventForSale | undefined> {
      const { rows } = await db.query<EventForSale>(
        'SELECT id, archived, starts_at AS "startsAt" FROM event WHERE id = $1',
        [id],
      )
      return rows[0]
    },
  }
}

export type EventRepository = ReturnType<typeof createEventRepository>

/**
 * Reads of one event's dates that may run inside another module's transaction (a refund checks its window while it
 * holds the booking's lock), so over any `Queryable`; the searches above need the `Database` itself.
 */
export function createEventDateRepository(db: Queryable) {
  return {
    /** The event's local start time, ISO without zone (event times in the data set are local). */
    async localStartOf(id: number): Promise<string | undefined> {
      const { rows } = await db.query<{ startsAt: string }>(
        `SELECT to_char(starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS "startsAt" FROM event WHERE id = $1`,
        [id],
      )
      return rows[0]?.startsAt
    },
  }
}
