import { formatTenge } from '@kokdala/core'
import type { BookingRecords } from '../bookings/records.ts'
import type { SeatService } from '../seats/service.ts'

/**
 * Sales figures of one event: seats by status, revenue of SOLD seats, bookings that are not cancelled. A read
 * model with no table of its own: each owner answers its part (docs/adr/0005-one-owner-per-table.md), the seats
 * module its seat counts and revenue, the bookings module its booking count.
 */
export function createAnalyticsService(deps: { seats: SeatService; bookings: BookingRecords }) {
  return {
    async forEvent(eventId: number) {
      // First, alone: an unknown event is refused from the seats module's cache, without asking the database.
      await deps.seats.ensureHall(eventId)
      const [sales, bookings] = await Promise.all([deps.seats.salesOf(eventId), deps.bookings.countOfEvent(eventId)])
      return {
        event_id: eventId,
        total_seats: sales.totalSeats,
        sold_seats: sales.soldSeats,
        reserved_seats: sales.reservedSeats,
        free_seats: sales.totalSeats - sales.soldSeats - sales.reservedSeats,
        total_revenue: formatTenge(sales.revenue),
        bookings_count: bookings,
      }
    },
  }
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>
