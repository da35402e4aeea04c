import { tenge } from '@kokdala/core'

/** How an event's seats are laid out and priced; seat ids are derived from it, so they are stable. */
export interface HallLayout {
  layout: string
  rows: number
  seatsPerRow: number
  firstSeatId: number
  /** Distance between the first seat ids of consecutive rows. */
  rowStride: number
  /** Price of every seat of a row, in tiyn, indexed by row - 1. */
  rowPrices: bigint[]
}

/** The legend's stadium zones: rows 1–10 golden circle … 71–100 upper tier. */
const STADIUM_ZONES: Array<{ lastRow: number; price: number }> = [
  { lastRow: 10, price: 40_000 },
  { lastRow: 25, price: 80_000 },
  { lastRow: 45, price: 120_000 },
  { lastRow: 70, price: 160_000 },
  { lastRow: 100, price: 200_000 },
]

/** Event 1, the 100 000-seat stadium: seat id = (row − 1) × 1000 + number, so ids run 1..100 000. */
export function stadiumLayout(): HallLayout {
  const rowPrices = Array.from({ length: 100 }, (_, i) =>
    tenge(STADIUM_ZONES.find((zone) => i + 1 <= zone.lastRow)!.price),
  )
  return { layout: 'stadium', rows: 100, seatsPerRow: 1_000, firstSeatId: 1, rowStride: 1_000, rowPrices }
}

/**
 * A plausible hall for any other active event, derived from its id so every process agrees on it:
 * 8–30 rows of 12–40 seats, front rows dearer. Seat id = event id × 100 000 + (row − 1) × 100 + number,
 * which never collides with the stadium's ids or another event's.
 */
export function generatedLayout(eventId: number): HallLayout {
  const rows = 8 + ((eventId * 7) % 23)
  const seatsPerRow = 12 + ((eventId * 13) % 29)
  const basePrice = 3_000 + ((eventId * 31) % 25) * 500
  const rowPrices = Array.from({ length: rows }, (_, i) => {
    const share = i / rows
    const factor = share < 0.3 ? 1.5 : share < 0.7 ? 1 : 0.7
    return tenge(Math.round((basePrice * factor) / 100) * 100)
  })
  return { layout: 'hall', rows, seatsPerRow, firstSeatId: eventId * 100_000 + 1, rowStride: 100, rowPrices }
}

/** The layout of an event's hall. */
export function layoutFor(eventId: number): HallLayout {
  return eventId === 1 ? stadiumLayout() : generatedLayout(eventId)
}

/** The id of the seat at this row and number, or undefined when the layout has no such seat. */
export function seatIdAt(layout: HallLayout, row: number, number: number): number | undefined {
  if (!Number.isInteger(row) || !Number.isInteger(number)) return undefined
  if (row < 1 || row > layout.rows || number < 1 || number > layout.seatsPerRow) return undefined
  return layout.firstSeatId + (row - 1) * layout.rowStride + number - 1
}

/** The id of the last seat of a layout. */
export function lastSeatId(layout: HallLayout): number {
  return seatIdAt(layout, layout.rows, layout.seatsPerRow)!
}
