import { actionOfCode, type CheckHistoryItem, type WebkassaClient, type WebkassaResult } from '@kokdala/webkassa'
import { type FiscalFacts, factsOfCheck, factsOfHistory } from './fiscal-facts.ts'

/** The one thing receipts need of the tokens module: a call run with the current token (refresh on 2/3 inside). */
export interface TokenSession {
  withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>>
}

export interface LookupDeps {
  client: WebkassaClient
  session: TokenSession
}

export type Located =
  | { kind: 'found'; facts: FiscalFacts }
  | { kind: 'absent' }
  /** The lookup itself failed (network, an error other than "not found"): try again later, send nothing. */
  | { kind: 'unknown'; reason: string }

/** Webkassa's page size limit for `Check/History`. */
const PAGE = 50
/** How many history pages one recovery reads per shift before it gives the question to a person. */
const MAX_PAGES = 40

function failure<T>(result: WebkassaResult<T>): string {
  if (result.kind === 'unknown') return `lookup ${result.reason}`
  if (result.kind === 'errors') return `lookup error ${result.errors.map((e) => e.Code).join(',')}`
  return 'lookup'
}

function notFound<T>(result: WebkassaResult<T>): boolean {
  return (
    result.kind === 'errors' &&
    result.errors.length > 0 &&
    result.errors.every((e) => actionOfCode(e.Code) === 'not_found')
  )
}

/**
 * Finds our receipt's row in a shift's history, near `order` when known (rows carry their order number), else by
 * paging from the start. `undefined` when the shift does not list it; a string when the history cannot be read.
 */
export async function historyRow(
  deps: LookupDeps,
  cashbox: string,
  shiftNumber: number,
  externalNumber: string,
  order: number | null,
): Promise<CheckHistoryItem | undefined | string> {
  const start = order && order > PAGE / 2 ? order - PAGE / 2 : 0
  const offsets = order ? [start] : Array.from({ length: MAX_PAGES }, (_, i) => i * PAGE)
  for (const skip of offsets) {
    const page = await deps.session.withToken((t) =>
      deps.client.checkHistory(t, cashbox, shiftNumber, { skip, take: PAGE }),
    )
    if (notFound(page)) return undefined
    if (page.kind !== 'ok') return failure(page)
    const item = page.data.Items?.find((row) => row.ExternalCheckNumber === externalNumber)
    if (item) return item
    if (!page.data.Items || page.data.Items.length < PAGE || skip + PAGE >= page.data.Total) return undefined
  }
  return order ? historyRow(deps, cashbox, shiftNumber, externalNumber, null) : 'history too long to scan'
}

/**
 * Looks our receipt up by its external number after an answer was lost or a 14 came without `Data`: Webkassa's
 * lookup in the cashbox's current shift, then the previous one (a Z report may have closed it since), then the
 * shifts' history; the total comes from the history row. Never sends anything.
 */
export async function locateReceipt(deps: LookupDeps, cashbox: string, externalNumber: string): Promise<Located> {
  const boxes = await deps.session.withToken((t) => deps.client.cashboxes(t))
  if (boxes.kind !== 'ok') return { kind: 'unknown', reason: failure(boxes) }
  const box = boxes.data.List?.find((b) => b.UniqueNumber === cashbox)
  const current = box?.Shift?.ShiftNumber
  if (!current) return { kind: 'absent' }
  const shifts = [current, current - 1].filter((n) => n > 0)
  const registration = box?.RegistrationNumber ?? null
  for (const shift of shifts) {
    const ticket = await deps.session.withToken((t) =>
      deps.client.ticketByExternalNumber(t, cashbox, externalNumber, shift),
    )
    if (ticket.kind === 'ok') {
      const facts = factsOfCheck(ticket.data)
      const row = await historyRow(deps, cashbox, facts.shiftNumber || shift, externalNumber, facts.checkOrderNumber)
      if (typeof row === 'string') return { kind: 'unknown', reason: row }
      return {
        kind: 'found',
        facts: row ? { ...facts, totalTiyn: factsOfHistory(row, shift, registration).totalTiyn } : facts,
      }
    }
    if (!notFound(ticket)) return { kind: 'unknown', reason: failure(ticket) }
  }
  for (const shift of shifts) {
    const row = await historyRow(deps, cashbox, shift, externalNumber, null)
    if (typeof row === 'string') return { kind: 'unknown', reason: row }
    if (row) return { kind: 'found', facts: factsOfHistory(row, shift, registration) }
  }
  return { kind: 'absent' }
}
