import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  addDays,
  assertTimeZone,
  localDay,
  localDayBounds,
  localMinuteOfDay,
  minutesOf,
  startOfLocalDay,
} from '../src/local-time.ts'

describe('local days and times in a time zone', () => {
  it('reads the local day and minute of an instant in Almaty (UTC+5), across UTC midnight', () => {
    const instant = new Date('2026-12-02T20:30:00Z')
    assert.equal(localDay(instant, 'Asia/Almaty'), '2026-12-03')
    assert.equal(localMinuteOfDay(instant, 'Asia/Almaty'), 1 * 60 + 30)
    assert.equal(localDay(instant, 'UTC'), '2026-12-02')
  })

  it('finds the instants a local day spans, 24 h apart without a clock change', () => {
    const { from, to } = localDayBounds('2026-12-02', 'Asia/Almaty')
    assert.equal(from.toISOString(), '2026-12-01T19:00:00.000Z')
    assert.equal(to.toISOString(), '2026-12-02T19:00:00.000Z')
  })

  it('spans 23 and 25 hours on the days a zone changes its clocks', () => {
    const spring = localDayBounds('2026-03-29', 'Europe/Berlin')
    assert.equal(spring.from.toISOString(), '2026-03-28T23:00:00.000Z')
    assert.equal(spring.to.getTime() - spring.from.getTime(), 23 * 3_600_000)
    const autumn = localDayBounds('2026-10-25', 'Europe/Berlin')
    assert.equal(autumn.from.toISOString(), '2026-10-24T22:00:00.000Z')
    assert.equal(autumn.to.getTime() - autumn.from.getTime(), 25 * 3_600_000)
  })

  it('starts a day whose midnight a clock change skips at its first existing minute', () => {
    // Santiago moves 00:00 → 01:00 on the first Sunday of September (2026-09-06).
    assert.equal(startOfLocalDay('2026-09-06', 'America/Santiago').toISOString(), '2026-09-06T04:00:00.000Z')
  })

  it('moves days across month and year ends, and refuses malformed days, times and zones', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01')
    assert.equal(addDays('2026-03-01', -1), '2026-02-28')
    assert.equal(minutesOf('04:00'), 240)
    assert.equal(minutesOf('23:59'), 1439)
    for (const bad of ['4:00', '24:00', '04:60', '', '04:00 ']) assert.throws(() => minutesOf(bad), RangeError)
    assert.throws(() => addDays('2026-1-1', 1), RangeError)
    assert.throws(() => assertTimeZone('Asia/Almatyy'), /unknown time zone/)
    assertTimeZone('Asia/Almaty')
  })
})
