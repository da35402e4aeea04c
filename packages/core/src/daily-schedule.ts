/**
 * Work done once a day at a local wall-clock time in a time zone: the payments reconciliation from 04:00, the fiscal
 * token refresh at 05:00 Asia/Almaty. Who remembers that a day is done differs (this process, or the run's own
 * table shared by processes); when a day's moment has come is computed here only, on the calendar of local-time.ts.
 * Time comes from the injected clock: a test moves it and calls `tick()`; the runtime calls `tick()` every so often.
 */
import type { Clock } from './clock.ts'
import { addDays, assertTimeZone, localDay, localTimeOn, minutesOf } from './local-time.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** The first instant after `after` at which the wall clock of `timeZone` shows `at` (`HH:MM`). */
export function nextLocalTime(after: Date, at: string, timeZone: string): Date {
  const minutes = minutesOf(at)
  const today = localDay(after, timeZone)
  for (let day = 0; day <= 2; day++) {
    const slot = localTimeOn(addDays(today, day), minutes, timeZone)
    if (slot.getTime() > after.getTime()) return slot
  }
  throw new RangeError(`no ${at} in ${timeZone} after ${after.toISOString()}`)
}

/** The last instant at or before `now` at which the wall clock of `timeZone` shows `at` (`HH:MM`). */
export function lastLocalTime(now: Date, at: string, timeZone: string): Date {
  const minutes = minutesOf(at)
  const today = localDay(now, timeZone)
  for (let day = 0; day >= -2; day--) {
    const slot = localTimeOn(addDays(today, day), minutes, timeZone)
    if (slot.getTime() <= now.getTime()) return slot
  }
  throw new RangeError(`no ${at} in ${timeZone} before ${now.toISOString()}`)
}

export interface DailyScheduleOptions<T> {
  clock: Clock
  /** Local time of day, `HH:MM`. */
  at: string
  /** IANA zone name, e.g. `Asia/Almaty`. */
  timeZone: string
  /** Up to this long after `at`, drawn anew each day (less than a day); none by default. */
  jitterMs?: number
  /**
   * Who knows that a day's run is done. `schedule` (the default): this schedule, in memory — each slot runs once
   * here, at its moment plus the delay; a failed run waits for the next day; a slot already past when the schedule
   * starts is not owed; ticks during a run share it. `run`: the run itself (a row per day claimed in a table that
   * processes share) — every tick from the latest slot's moment on calls it, so a day missed while the process was
   * down is caught up at its first tick, and the run's own retries and lease takeovers happen.
   */
  doneKeptBy?: 'schedule' | 'run'
  /** The day's work; `slot` is the day's `at` without the delay (what "already done today" compares with). */
  run: (slot: Date) => Promise<T>
  /** In [0, 1); tests fix it. */
  random?: () => number
}

export interface DailySchedule<T = unknown> {
  /** Runs the day's work if its moment has come; resolves with the run's result, or undefined if none was due. */
  tick(): Promise<T>
  /** The latest slot whose moment (plus its delay) has come at `now`: with `doneKeptBy: 'run'`, what a tick runs. */
  dueSlot(now: Date): Date
  /** When the next run is due (with `doneKeptBy: 'run'`, the next slot's moment: the current one may still be owed). */
  readonly nextRunAt: Date
  /** The slot the next run belongs to. */
  readonly nextSlot: Date
}

/** A daily schedule from the clock's present moment; see `doneKeptBy` for when a run is due. */
export function createDailySchedule<T>(options: DailyScheduleOptions<T> & { doneKeptBy: 'run' }): DailySchedule<T>
export function createDailySchedule<T>(options: DailyScheduleOptions<T>): DailySchedule<T | undefined>
export function createDailySchedule<T>({
  clock,
  at,
  timeZone,
  jitterMs = 0,
  doneKeptBy = 'schedule',
  run,
  random = Math.random,
}: DailyScheduleOptions<T>): DailySchedule<T | undefined> {
  assertTimeZone(timeZone)
  minutesOf(at)
  if (!(jitterMs >= 0 && jitterMs < DAY_MS)) throw new RangeError(`jitter must be in [0, 1 day), got ${jitterMs}`)
  // One delay per slot, drawn when the slot is first planned: a slot keeps its moment however often it is asked.
  const delays = new Map<number, number>()
  const runAt = (slot: Date) => {
    let delay = delays.get(slot.getTime())
    if (delay === undefined) {
      delay = Math.floor(random() * jitterMs)
      delays.set(slot.getTime(), delay)
      // Only the last few slots are ever asked about again.
      if (delays.size > 4) delays.delete(delays.keys().next().value as number)
    }
    return new Date(slot.getTime() + delay)
  }
  const plan = (after: Date) => {
    const slot = nextLocalTime(after, at, timeZone)
    return { slot, runAt: runAt(slot) }
  }
  const dueSlot = (now: Date) => {
    const slot = lastLocalTime(now, at, timeZone)
    return runAt(slot).getTime() <= now.getTime() ? slot : lastLocalTime(new Date(slot.getTime() - 1), at, timeZone)
  }

  if (doneKeptBy === 'run') {
    return {
      /** Every tick runs the latest slot whose moment (plus its delay) has come. */
      tick: () => run(dueSlot(clock.now())),
      dueSlot,
      get nextRunAt() {
        return plan(clock.now()).runAt
      },
      get nextSlot() {
        return plan(clock.now()).slot
      },
    }
  }

  let next = plan(clock.now())
  let running: Promise<T> | undefined
  return {
    dueSlot,
    tick() {
      if (running) return running
      if (clock.now().getTime() < next.runAt.getTime()) return Promise.resolve(undefined)
      const { slot } = next
      // The next slot is planned before running: a failed run waits for tomorrow, it does not repeat each tick.
      next = plan(new Date(Math.max(clock.now().getTime(), slot.getTime())))
      running = run(slot).finally(() => {
        running = undefined
      })
      return running
    },
    get nextRunAt() {
      return next.runAt
    },
    get nextSlot() {
      return next.slot
    },
  }
}
