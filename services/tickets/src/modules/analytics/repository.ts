import type { Queryable } from '@kokdala/core'

export interface EventCounts {
  totalSeats: number
  soldSeats: number
  reservedSeats: number
  /** Tiyn. */
  revenue: bigint
  bookings: number
}

/** The only place with SQL for analytics. */
export function createAnalyticsRepository(db: Queryable) {
  return {
    async countsFor(eventId: number): Promise<EventCounts> {
      const { rows } = await db.query<Omit<EventCounts, 'revenue'> & { revenue: number }>(
        `SELECT
           (SELECT rows * seats_per_row FROM hall WHERE event_id = $1) AS "totalSeats",
           count(*) FILTER (WHERE status = 'SOLD')::int AS "soldSeats",
           count(*) FILTER (WHERE status = 'RESERVED')::int AS "reservedSeats",
           COALESCE(sum(price) FILTER (WHERE status = 'SOLD'), 0)::bigint AS revenue,
           (SELECT count(*)::int FROM booking WHERE event_id = $1 AND status <> 'CANCELLED') AS bookings
         FROM seat_claim WHERE event_id = $1`,
        [eventId],
      )
      return { ...rows[0], revenue: BigInt(rows[0].revenue) }
    },
  }
}
