import type { Tiyn } from '@kokdala/core'
import { type CheckData, type CheckHistoryItem, type ReturnBasisDetails, tiynToTenge } from '@kokdala/webkassa'
import { tiynOfWire } from './amounts.ts'

/** What Webkassa says about a fiscalized receipt, as we keep it (and need for a return's `ReturnBasisDetails`). */
export interface FiscalFacts {
  /** The fiscal sign (ФП). */
  checkNumber: string
  /** `dd.MM.yyyy HH:mm:ss`, Kazakhstan time, as Webkassa sent it. */
  dateTime: string
  shiftNumber: number
  checkOrderNumber: number | null
  offline: boolean
  ticketUrl: string | null
  registrationNumber: string | null
  /** The receipt's total as Webkassa's history shows it, when we read it (recovery, duplicates). */
  totalTiyn: Tiyn | null
}

/** Facts from a `check` answer or a lookup by external number. */
export function factsOfCheck(data: CheckData): FiscalFacts {
  return {
    checkNumber: String(data.CheckNumber),
    dateTime: String(data.DateTime ?? ''),
    shiftNumber: Number(data.ShiftNumber),
    checkOrderNumber: Number.isFinite(data.CheckOrderNumber) ? data.CheckOrderNumber : null,
    offline: data.OfflineMode === true,
    ticketUrl: data.TicketUrl ? String(data.TicketUrl) : null,
    registrationNumber: data.Cashbox?.RegistrationNumber ? String(data.Cashbox.RegistrationNumber) : null,
    totalTiyn: null,
  }
}

/** Facts from a `Check/History` row: no ticket URL there, but the total. */
export function factsOfHistory(
  item: CheckHistoryItem,
  shiftNumber: number,
  registrationNumber: string | null,
): FiscalFacts {
  return {
    checkNumber: String(item.Number),
    dateTime: String(item.RegistratedOn ?? ''),
    shiftNumber,
    checkOrderNumber: Number.isFinite(item.CheckOrderNumber) ? item.CheckOrderNumber : null,
    offline: item.IsOffline === true,
    ticketUrl: null,
    registrationNumber,
    totalTiyn: tiynOfWire(item.Total),
  }
}

const WEBKASSA_TIME = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/

/** Webkassa's `dd.MM.yyyy HH:mm:ss` (UTC+5, Kazakhstan's one zone since 2024) as an instant; null when not that. */
export function parseWebkassaTime(text: string): Date | null {
  const m = WEBKASSA_TIME.exec(text)
  if (!m) {
    const iso = new Date(text)
    return Number.isNaN(iso.getTime()) ? null : iso
  }
  const [, dd, mm, yyyy, hh, mi, ss] = m
  const date = new Date(`${yyyy}-${mm}-${dd}T${hh}:${mi}:${ss}+05:00`)
  return Number.isNaN(date.getTime()) ? null : date
}

/**
 * A return's `ReturnBasisDetails` from the stored original: its fiscal sign, time (ISO-8601 local, as the samples
 * write it), registration number, total and whether it was made offline (a return of an offline sale must say so).
 */
export function returnBasis(original: FiscalFacts, totalTiyn: Tiyn): ReturnBasisDetails {
  const at = parseWebkassaTime(original.dateTime)
  const local = at ? new Date(at.getTime() + 5 * 3_600_000).toISOString().slice(0, 19) : original.dateTime
  return {
    CheckNumber: original.checkNumber,
    DateTime: local,
    RegistrationNumber: original.registrationNumber ?? '',
    Total: tiynToTenge(totalTiyn),
    IsOffline: original.offline,
  }
}
