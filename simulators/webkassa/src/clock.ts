/**
 * The simulator's clock: real time plus an offset that `/__sim/clock` moves, so a test can age a shift past 24 h or
 * an offline period past 72 h without waiting. Every time the simulator reads (token age, shift age, receipt
 * dates) comes from here.
 */
export interface SimClock {
  now(): Date
  /** Moves simulated time forward (or back, with a negative amount). */
  advance(ms: number): void
  /** How far simulated time is from real time. */
  offsetMs(): number
  reset(): void
}

export function createSimClock(real: () => number = Date.now): SimClock {
  let offset = 0
  return {
    now: () => new Date(real() + offset),
    advance(ms) {
      offset += ms
    },
    offsetMs: () => offset,
    reset() {
      offset = 0
    },
  }
}

/** Kazakhstan has one zone since 1 March 2024: UTC+5. */
const KZ_OFFSET_MS = 5 * 3_600_000

const two = (n: number) => String(n).padStart(2, '0')

/** `dd.MM.yyyy HH:mm:ss` in Kazakhstan time, as Webkassa writes `DateTime`. */
export function webkassaDateTime(date: Date): string {
  const local = new Date(date.getTime() + KZ_OFFSET_MS)
  return (
    `${two(local.getUTCDate())}.${two(local.getUTCMonth() + 1)}.${local.getUTCFullYear()} ` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`
  )
}

/** ISO-8601 with the `+05:00` offset, as Webkassa writes `DateTimeUTC`. */
export function webkassaDateTimeOffset(date: Date): string {
  const local = new Date(date.getTime() + KZ_OFFSET_MS)
  return `${local.toISOString().slice(0, 19)}+05:00`
}
