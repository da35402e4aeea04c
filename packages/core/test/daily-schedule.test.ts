import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock } from '../src/clock.ts'
import { createDailySchedule, nextLocalTime } from '../src/daily-schedule.ts'

test('05:00 in Asia/Almaty is 00:00 UTC (UTC+5 since March 2024), today if not yet past, else tomorrow', () => {
  assert.equal(
    nextLocalTime(new Date('2026-12-03T23:30:00Z'), '05:00', 'Asia/Almaty').toISOString(),
    '2026-12-04T00:00:00.000Z',
  )
  assert.equal(
    nextLocalTime(new Date('2026-12-04T00:00:00Z'), '05:00', 'Asia/Almaty').toISOString(),
    '2026-12-05T00:00:00.000Z',
  )
  assert.equal(
    nextLocalTime(new Date('2026-12-04T10:00:00Z'), '23:59', 'Asia/Almaty').toISOString(),
    '2026-12-04T18:59:00.000Z',
  )
})

test('a zone with daylight saving time keeps the wall clock across the change', () => {
  // Europe/Berlin: CET (+1) in winter, CEST (+2) after 29 March 2026.
  assert.equal(
    nextLocalTime(new Date('2026-03-28T12:00:00Z'), '05:00', 'Europe/Berlin').toISOString(),
    '2026-03-29T03:00:00.000Z',
  )
  assert.equal(
    nextLocalTime(new Date('2026-01-10T12:00:00Z'), '05:00', 'Europe/Berlin').toISOString(),
    '2026-01-11T04:00:00.000Z',
  )
})

test('the daily run fires once at the slot plus its random delay, then plans the next day', async () => {
  const clock = manualClock(new Date('2026-12-03T22:00:00Z'))
  const runs: string[] = []
  const schedule = createDailySchedule({
    clock,
    at: '05:00',
    timeZone: 'Asia/Almaty',
    jitterMs: 30 * 60_000,
    random: () => 0.5,
    run: async (slot) => void runs.push(`${slot.toISOString()}@${clock.now().toISOString()}`),
  })
  assert.equal(schedule.nextRunAt.toISOString(), '2026-12-04T00:15:00.000Z')
  clock.set(new Date('2026-12-04T00:14:59Z'))
  await schedule.tick()
  assert.deepEqual(runs, [])
  clock.set(new Date('2026-12-04T00:15:00Z'))
  await schedule.tick()
  await schedule.tick()
  assert.deepEqual(runs, ['2026-12-04T00:00:00.000Z@2026-12-04T00:15:00.000Z'])
  assert.equal(schedule.nextRunAt.toISOString(), '2026-12-05T00:15:00.000Z')
})

test('a failed run is not repeated every tick: it waits for the next day', async () => {
  const clock = manualClock(new Date('2026-12-04T00:20:00Z'))
  let calls = 0
  const schedule = createDailySchedule({
    clock,
    at: '05:00',
    timeZone: 'Asia/Almaty',
    jitterMs: 0,
    run: async () => {
      calls++
      throw new Error('partner down')
    },
  })
  // Started after today's slot: the first run is tomorrow's.
  assert.equal(schedule.nextRunAt.toISOString(), '2026-12-05T00:00:00.000Z')
  clock.set(new Date('2026-12-05T00:00:01Z'))
  await assert.rejects(schedule.tick(), /partner down/)
  await schedule.tick()
  assert.equal(calls, 1)
})

test('kept done by the run: every tick runs the latest slot already come, so a day missed while down is caught up', async () => {
  // 10:00 in Almaty: today's 05:00 (00:00 UTC) has passed, and this process was not running then.
  const clock = manualClock(new Date('2026-12-04T05:00:00Z'))
  const slots: string[] = []
  const schedule = createDailySchedule({
    clock,
    at: '05:00',
    timeZone: 'Asia/Almaty',
    doneKeptBy: 'run',
    run: async (slot) => {
      slots.push(slot.toISOString())
      return slots.length
    },
  })
  assert.equal(await schedule.tick(), 1)
  assert.equal(await schedule.tick(), 2)
  clock.set(new Date('2026-12-04T23:59:59Z'))
  assert.equal(await schedule.tick(), 3)
  clock.set(new Date('2026-12-05T00:00:00Z'))
  await schedule.tick()
  assert.deepEqual(slots, [
    '2026-12-04T00:00:00.000Z',
    '2026-12-04T00:00:00.000Z',
    '2026-12-04T00:00:00.000Z',
    '2026-12-05T00:00:00.000Z',
  ])
})

test('kept done by the run with a delay: a slot keeps its drawn delay, the previous slot is due until it ends', () => {
  const clock = manualClock(new Date('2026-12-04T00:10:00Z'))
  let draws = 0
  const schedule = createDailySchedule({
    clock,
    at: '05:00',
    timeZone: 'Asia/Almaty',
    jitterMs: 30 * 60_000,
    doneKeptBy: 'run',
    random: () => (draws++ === 0 ? 0.5 : 0.1),
    run: async () => undefined,
  })
  // Today's slot (00:00 UTC) drew 15 minutes: before 00:15 yesterday's slot is the one due.
  assert.equal(schedule.dueSlot(new Date('2026-12-04T00:10:00Z')).toISOString(), '2026-12-03T00:00:00.000Z')
  assert.equal(schedule.dueSlot(new Date('2026-12-04T00:14:59Z')).toISOString(), '2026-12-03T00:00:00.000Z')
  assert.equal(schedule.dueSlot(new Date('2026-12-04T00:15:00Z')).toISOString(), '2026-12-04T00:00:00.000Z')
})

test('a malformed time of day, an unknown zone or a delay of a day or more is refused at creation', () => {
  const clock = manualClock(new Date('2026-12-04T00:00:00Z'))
  const make = (at: string, timeZone: string, jitterMs = 0) =>
    createDailySchedule({ clock, at, timeZone, jitterMs, run: async () => undefined })
  assert.throws(() => make('5:00', 'Asia/Almaty'), /HH:MM/)
  assert.throws(() => make('05:00', 'Asia/Almatyy'), /unknown time zone/)
  assert.throws(() => make('05:00', 'Asia/Almaty', 24 * 60 * 60_000), /jitter/)
  assert.throws(() => make('05:00', 'Asia/Almaty', -1), /jitter/)
})
