// Date formatting for millions of rows: Date objects and toISOString per row would dominate generation time,
// so the date part is memoised per day and the time part comes from a table of two-digit strings.

export const DAY_SECONDS = 86_400

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))

/** 'YYYY-MM-DD' of a day number counted from 1970-01-01 (UTC). */
export function formatDay(day: number): string {
  return new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10)
}

/** The day number (UTC) of an ISO date 'YYYY-MM-DD'. */
export function dayOf(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / 1000 / DAY_SECONDS)
}

/** 'HH:MM:SS' of an hour and minute. */
export function formatClock(hour: number, minute: number): string {
  return `${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:00`
}

/** Formats days and UTC second timestamps within a fixed range, memoising each day's date string. */
export class DayTable {
  readonly #firstDay: number
  readonly #days: string[]

  constructor(firstDay: number, lastDay: number) {
    this.#firstDay = firstDay
    this.#days = []
    for (let day = firstDay; day <= lastDay; day++) this.#days.push(formatDay(day))
  }

  /** 'YYYY-MM-DD' of a day number inside the table's range. */
  day(day: number): string {
    const text = this.#days[day - this.#firstDay]
    if (text === undefined) throw new RangeError(`day ${day} is outside the table`)
    return text
  }

  /** 'YYYY-MM-DD HH:MM:SS' (UTC) of seconds since the epoch inside the table's range. */
  timestamp(seconds: number): string {
    const day = Math.floor(seconds / DAY_SECONDS)
    let rest = seconds - day * DAY_SECONDS
    const hour = Math.floor(rest / 3600)
    rest -= hour * 3600
    const minute = Math.floor(rest / 60)
    return `${this.day(day)} ${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[rest - minute * 60]}`
  }
}
