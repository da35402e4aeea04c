import type { Queryable } from '@kokdala/core'

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

/** The only place with SQL over events. Results are always ordered by id, so paging is stable. */
export function createEventRepository(db: Queryable) {
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
      const { rows } = await db.query<EventSummary>(
        `SELECT id, title FROM event WHERE ${where.join(' AND ')} ORDER BY id LIMIT $1 OFFSET $2`,
        params,
      )
      return rows
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
