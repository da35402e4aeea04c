/**
 * Work done once a day at a local wall-clock time (a token refresh at 05:00 Asia/Almaty, a Z report before the
 * shift's 24 h), with a random delay so that many deployments do not hit a partner at the same second. Time comes
 * from the injected clock: a test moves it and calls `tick()`; the runtime calls `tick()` every so often.
 */
import type { Clock } from './clock.ts'

/** `HH:MM`, 24-hour. */
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/

/** The offset of `timeZone` from UTC at `instant`, in ms (positive east of Greenwich). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant))
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'))
  return asUtc - Math.floor(instant / 1000) * 1000
}

/** The first instant after `after` at which the wall clock of `timeZone` shows `at` (`HH:MM`). */
export function nextLocalTime(after: Date, at: string, timeZone: string): Date {
  const match = TIME_OF_DAY.exec(at)
  if (!match) throw new RangeError(`time of day must be HH:MM, got ${JSON.stringify(at)}`)
  const [hours, minutes] = [Number(match[1]), Number(match[2])]
  const local = new Date(after.getTime() + zoneOffsetMs(after.getTime(), timeZone))
  for (let day = 0; day <= 2; day++) {
    const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + day, hours, minutes)
    // The wall time minus the zone's offset at (about) that moment; again at the result for a change of offset.
    let instant = wall - zoneOffsetMs(wall, timeZone)
    instant = wall - zoneOffsetMs(instant, timeZone)
    if (instant > after.getTime()) return new Date(instant)
  }
  throw new RangeError(`no ${at} in ${timeZone} after ${after.toISOString()}`)
}

export interface DailyScheduleOptions {
  clock: Clock
  /** Local time of day, `HH:MM`. */
  at: string
  /** IANA zone name, e.g. `Asia/Almaty`. */
  timeZone: string
  /** Up to this long after `at`, drawn anew each day. */
  jitterMs: number
  /** Runs once per day; `slot` is the day's `at` without the delay (what "already done today" compares with). */
  run: (slot: Date) => Promise<unknown>
  /** In [0, 1); tests fix it. */
  random?: () => number
}

export interface DailySchedule {
  /** Runs the day's work if its moment has come (at most once per slot); resolves when that run ends. */
  tick(): Promise<void>
  /** When the next run is due. */
  readonly nextRunAt: Date
  /** The slot the next run belongs to. */
  readonly nextSlot: Date
}

/** A daily schedule starting from the clock's present moment (a slot already past today waits for tomorrow's). */
export function createDailySchedule({
  clock,
  at,
  timeZone,
  jitterMs,
  run,
  random = Math.random,
}: DailyScheduleOptions): DailySchedule {
  if (!(jitterMs >= 0)) throw new RangeError(`jitter must be non-negative, got ${jitterMs}`)
  const plan = (after: Date) => {
    const slot = nextLocalTime(after, at, timeZone)
    return { slot, runAt: new Date(slot.getTime() + Math.floor(random() * jitterMs)) }
  }
  let next = plan(clock.now())
  let running: Promise<void> | undefined
  return {
    tick() {
      if (running) return running
      if (clock.now().getTime() < next.runAt.getTime()) return Promise.resolve()
      const { slot } = next
      // The next slot is planned before running: a failed run waits for tomorrow, it does not repeat each tick.
      next = plan(new Date(Math.max(clock.now().getTime(), slot.getTime())))
      running = run(slot)
        .then(() => undefined)
        .finally(() => {
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
