import { addDays, type Clock, createDailySchedule, localDay, localDayBounds } from '@kokdala/core'
import type { Reconcile } from './reconcile.ts'
import { reconciliationJson } from './report-json.ts'
import type { RunRepository } from './runs.ts'

/** Mismatches logged one per line each run; the rest are counted in one line (the stored report has them all). */
const LOGGED_MISMATCHES = 100

export interface ScheduleDeps {
  runs: RunRepository
  reconcile: Reconcile
  clock: Clock
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  /** Local time of day (`HH:MM`) from which the previous day is reconciled. */
  at: string
  timeZone: string
  /** This process's name in the run's row. */
  worker: string
  /** A run not finished within this long is taken over by another process (its own died). */
  leaseMs?: number
  /** A failed run is tried again after this long. */
  retryMs?: number
}

export type TickResult =
  /** Another process has run it, is running it, or will retry it. */
  | { ran: false; day: string; reason: 'taken' }
  | { ran: true; day: string; mismatches: number; unreadable: number }
  | { ran: true; day: string; error: string }

/**
 * The daily reconciliation: from `at` local time each day, the previous local day is reconciled once, whatever the
 * number of processes. Every process ticks (each minute on the runtime); the day's row in terminal_reconciliation is
 * the claim, so one process runs it and the others skip; a run whose process died is taken over when its lease lapses.
 * A process that was down at `at` catches up at its first tick after it.
 */
export function createReconciliationSchedule(deps: ScheduleDeps) {
  const leaseMs = deps.leaseMs ?? 30 * 60_000
  const retryMs = deps.retryMs ?? 15 * 60_000
  const { runs, clock, log } = deps

  /** The day a slot owes: the local day before the slot's. */
  const dayBefore = (slot: Date) => addDays(localDay(slot, deps.timeZone), -1)

  // The day's row is what says it is done: every tick asks it (and so catches up, retries, takes over).
  const daily = createDailySchedule({
    clock,
    at: deps.at,
    timeZone: deps.timeZone,
    doneKeptBy: 'run',
    run: (slot) => reconcileDay(dayBefore(slot)),
  })

  /** Runs a day's reconciliation here if no process has (or is running it). */
  async function reconcileDay(day: string): Promise<TickResult> {
    const now = clock.now()
    const { from, to } = localDayBounds(day, deps.timeZone)
    const claim = { day, from, to, worker: deps.worker, now, leaseUntil: new Date(now.getTime() + leaseMs) }
    if (!(await runs.claim(claim))) return { ran: false, day, reason: 'taken' }
    try {
      const report = await deps.reconcile({ from, to })
      const mismatches = report.mismatches.length
      const unreadable = report.unreadable.length
      const json = reconciliationJson(report)
      await runs.finish({ day, worker: deps.worker, now: clock.now(), mismatches, unreadable, report: json })
      for (const mismatch of json.mismatches.slice(0, LOGGED_MISMATCHES)) {
        log.warn({ day, mismatch }, 'terminal reconciliation mismatch')
      }
      if (mismatches > LOGGED_MISMATCHES) {
        log.warn({ day, more: mismatches - LOGGED_MISMATCHES }, 'terminal reconciliation: more mismatches stored')
      }
      for (const u of json.unreadable) log.warn({ day, ...u }, 'terminal reconciliation: history unreadable')
      log.info({ day, mismatches, unreadable }, 'terminal reconciliation done')
      return { ran: true, day, mismatches, unreadable }
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500)
      const at = clock.now()
      await runs.fail({
        day,
        worker: deps.worker,
        now: at,
        error: message,
        retryAt: new Date(at.getTime() + retryMs),
      })
      log.warn({ day, err: error }, 'terminal reconciliation failed; tried again later')
      return { ran: true, day, error: message }
    }
  }

  return {
    /** The day due at `now`: yesterday once today's `at` has passed, else the day before (still owed if missed). */
    dueDay: (now: Date) => dayBefore(daily.dueSlot(now)),
    /** Runs the due day's reconciliation here if no process has (or is running it). */
    tick: () => daily.tick(),
  }
}

export type ReconciliationSchedule = ReturnType<typeof createReconciliationSchedule>
