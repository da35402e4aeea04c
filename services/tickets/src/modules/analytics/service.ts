import { formatTenge } from '@kokdala/core'
import type { SeatService } from '../seats/service.ts'
import type { createAnalyticsRepository } from './repository.ts'

/** Sales figures of one event: seats by status, revenue of SOLD seats, bookings that are not cancelled. */
export function createAnalyticsService(deps: {
  analytics: ReturnType<typeof createAnalyticsRepository>
  seats: SeatService
}) {
  return {
    async forEvent(eventId: number) {
      await deps.seats.ensureHall(eventId)
      const counts = await deps.analytics.countsFor(eventId)
      return {
        event_id: eventId,
        total_seats: counts.totalSeats,
        sold_seats: counts.soldSeats,
        reserved_seats: counts.reservedSeats,
        free_seats: counts.totalSeats - counts.soldSeats - counts.reservedSeats,
        total_revenue: formatTenge(counts.revenue),
        bookings_count: counts.bookings,
      }
    },
  }
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>
