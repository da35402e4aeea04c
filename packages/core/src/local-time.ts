/**
 * Local calendar days and wall-clock times in an IANA time zone, from the runtime's own time-zone database (Intl):
 * what a job that runs "at 04:00 Almaty time, for the previous day" needs. Days are `YYYY-MM-DD` strings.
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone)
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, found)
  }
  return found
}

/** Throws a RangeError naming the zone when the runtime does not know it (a typo in configuration). */
export function assertTimeZone(timeZone: string): void {
  try {
    formatter(timeZone)
  } catch {
    throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`)
  }
}

function wallClock(instant: Date, timeZone: string) {
  const parts: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** The local day of an instant. */
export function localDay(instant: Date, timeZone: string): string {
  const { year, month, day } = wallClock(instant, timeZone)
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`
}

/** Minutes since local midnight of an instant (0–1439). */
export function localMinuteOfDay(instant: Date, timeZone: string): number {
  const { hour, minute } = wallClock(instant, timeZone)
  return hour * 60 + minute
}

/** `HH:MM` as minutes since midnight; throws on anything else. */
export function minutesOf(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm)
  if (!match) throw new RangeError(`a time of day is HH:MM, got ${JSON.stringify(hhmm)}`)
  return Number(match[1]) * 60 + Number(match[2])
}

function parseDay(day: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) throw new RangeError(`a day is YYYY-MM-DD, got ${JSON.stringify(day)}`)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

/** The day `days` after `day` (negative: before). */
export function addDays(day: string, days: number): string {
  const [year, month, date] = parseDay(day)
  const moved = new Date(Date.UTC(year, month - 1, date + days))
  return moved.toISOString().slice(0, 10)
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(new Date(instant), timeZone)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000
}

/**
 * The instant the zone's wall clock shows `minutes` past midnight on a local day. A time a clock change skips comes
 * out an hour later on the new clock; a time it repeats, at one of its two instants.
 */
export function localTimeOn(day: string, minutes: number, timeZone: string): Date {
  const [year, month, date] = parseDay(day)
  const wall = Date.UTC(year, month - 1, date, 0, minutes)
  // The offset at the guess may differ from the offset at the answer across a clock change: a second pass settles it.
  const guess = wall - offsetAt(wall, timeZone)
  return new Date(wall - offsetAt(guess, timeZone))
}

/** The instant a local day begins (its first existing minute where a clock change skips midnight). */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const [year, month, date] = parseDay(day)
  const midnight = Date.UTC(year, month - 1, date)
  // The offset at the guess may differ from the offset at the answer across a clock change: a second pass settles it.
  let instant = midnight - offsetAt(midnight, timeZone)
  instant = midnight - offsetAt(instant, timeZone)
  if (localDay(new Date(instant), timeZone) !== day) instant += 3_600_000
  return new Date(instant)
}

/** The instants a local day spans: [start, start of the next day). */
export function localDayBounds(day: string, timeZone: string): { from: Date; to: Date } {
  return { from: startOfLocalDay(day, timeZone), to: startOfLocalDay(addDays(day, 1), timeZone) }
}
