import type { Clock, Queryable } from '@kokdala/core'
import { actionOfCode, type WebkassaClient, type XZReportData } from '@kokdala/webkassa'
import type { TokenSession } from './recovery.ts'
import type { ReceiptRepository } from './repository.ts'
import type { ShiftPort, ShiftStep } from './sender.ts'

/**
 * A receipt about to leave on a shift this old first gets a Z report (issue 11: the 24 h limit blocks the cashbox
 * with code 11, and a receipt queued behind a slow Webkassa call must not be the one that hits it).
 */
export const CLOSE_BEFORE_RECEIPT_MS = (23 * 60 + 50) * 60_000

export interface ShiftKeeperDeps {
  db: Queryable
  repo: ReceiptRepository
  client: WebkassaClient
  session: TokenSession
  clock: Clock
  closeBeforeReceiptMs?: number
}

export type ReportReason = 'request' | 'scheduled' | 'before_receipt' | 'code_11'

/**
 * Shifts of our cashboxes, on our side: when each opened (our first receipt in it), Z reports that close them (12/13
 * — nothing open — count as closed), X reports that change nothing. Every call runs on the cashbox's queue.
 */
export function createShiftKeeper(deps: ShiftKeeperDeps) {
  const { repo, client, session, clock } = deps
  const closeAfter = deps.closeBeforeReceiptMs ?? CLOSE_BEFORE_RECEIPT_MS

  /** A Z report on the cashbox, recorded as report `reportId` (made here when not given). */
  async function zReport(cashbox: string, reason: ReportReason, reportId?: number): Promise<ShiftStep> {
    const id = reportId ?? (await repo.insertReport(deps.db, cashbox, 'z', reason, clock.now()))
    const result = await session.withToken((t) => client.zReport(t, cashbox))
    const now = clock.now()
    if (result.kind === 'ok') {
      await repo.closeShifts(cashbox, now)
      await repo.finishReport(
        id,
        { status: 'done', shiftNumber: result.data.ShiftNumber, data: summary(result.data) },
        now,
      )
      return { kind: 'ok' }
    }
    if (result.kind === 'unknown') {
      // The Z report may have happened: the next one answers 12/13 and closes our record then.
      await repo.finishReport(id, { status: 'failed', error: `answer lost (${result.reason})` }, now)
      return { kind: 'retry', reason: `Z report answer lost (${result.reason})` }
    }
    const codes = result.errors.map((e) => e.Code)
    const text = result.errors
      .map((e) => `${e.Code}: ${e.Text}`)
      .join('; ')
      .slice(0, 500)
    if (codes.every((c) => actionOfCode(c) === 'shift_already_closed')) {
      await repo.closeShifts(cashbox, now)
      await repo.finishReport(id, { status: 'done', error: text }, now)
      return { kind: 'ok' }
    }
    await repo.finishReport(id, { status: 'failed', error: text }, now)
    const park = result.errors.find((e) => ['park_cashbox', 'credentials_invalid'].includes(actionOfCode(e.Code)))
    if (park) return { kind: 'park', code: park.Code, reason: `Z report: ${park.Code}: ${park.Text}` }
    return { kind: 'retry', reason: `Z report: ${text}` }
  }

  const port: ShiftPort = {
    async closeIfOld(cashbox, known) {
      const open = known === undefined ? await repo.openShift(cashbox) : known
      if (!open || clock.now().getTime() - open.openedAt.getTime() < closeAfter) return { kind: 'ok' }
      const step = await zReport(cashbox, 'before_receipt')
      return step.kind === 'ok' ? { kind: 'ok', closed: true } : step
    },
    close: (cashbox) => zReport(cashbox, 'code_11'),
    async observed(cashbox, shiftNumber, at, known) {
      // The shift open on our side already: nothing to record (the row exists, older ones were closed with it).
      if (known?.shiftNumber === shiftNumber) return
      await repo.observeShift(cashbox, shiftNumber, at)
    },
  }

  return {
    port,
    zReport,
    /** An X report into report `reportId`: the shift's totals so far; changes nothing. */
    async xReport(cashbox: string, reportId: number): Promise<ShiftStep> {
      const result = await session.withToken((t) => client.xReport(t, cashbox))
      const now = clock.now()
      if (result.kind === 'ok') {
        await repo.finishReport(
          reportId,
          { status: 'done', shiftNumber: result.data.ShiftNumber, data: summary(result.data) },
          now,
        )
        return { kind: 'ok' }
      }
      const error =
        result.kind === 'unknown'
          ? `answer lost (${result.reason})`
          : result.errors.map((e) => `${e.Code}: ${e.Text}`).join('; ')
      await repo.finishReport(reportId, { status: 'failed', error: error.slice(0, 500) }, now)
      return { kind: 'ok' }
    },
  }
}

/** What we keep of an X/Z report: its numbers, not Webkassa's whole document. */
function summary(data: XZReportData) {
  return {
    ReportNumber: data.ReportNumber,
    ShiftNumber: data.ShiftNumber,
    StartOn: data.StartOn,
    ReportOn: data.ReportOn,
    CloseOn: data.CloseOn ?? null,
    DocumentCount: data.DocumentCount,
    SumInCashbox: data.SumInCashbox,
    OfflineMode: data.OfflineMode,
    CashboxOfflineMode: data.CashboxOfflineMode,
  }
}

export type ShiftKeeper = ReturnType<typeof createShiftKeeper>
