import { PaymentsError } from './errors.ts'

/**
 * A query's date-time as a Date. The schema's format lets through what no timestamp column holds — a leap second
 * ('23:59:60', an Invalid Date) or the year 0000 (PostgreSQL has no year 0) — which would reach the database as a
 * 500: refused here with a 400. Shared by every admin route that takes a time range.
 */
export function queryDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined
  const date = new Date(text)
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    throw new PaymentsError('VALIDATION_FAILED', `Нет такого момента времени: ${text}`)
  }
  return date
}
