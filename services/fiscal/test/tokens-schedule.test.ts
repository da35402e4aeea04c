import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { manualClock } from '@kokdala/core'
import { createFakeWebkassa } from './fake-webkassa.ts'
import { type StartedFiscal, startFiscal } from './harness.ts'
import { CONFIGURED_ENV } from './secrets.ts'

const opened: StartedFiscal[] = []
after(async () => {
  for (const app of opened.reverse()) await app.close()
})

test('the scheduled refresh fires at 05:00 Asia/Almaty plus its random delay, once a day across two processes', async () => {
  const fake = createFakeWebkassa()
  // 03:00 in Almaty (UTC+5) on 4 December.
  const clock = manualClock(new Date('2026-12-03T22:00:00Z'))
  const a = await startFiscal(CONFIGURED_ENV, { clock, overrides: { webkassa: fake.client, random: () => 0.5 } })
  const b = await startFiscal(CONFIGURED_ENV, {
    db: a.db,
    clock,
    overrides: { webkassa: fake.client, random: () => 0.9 },
  })
  opened.push(a, b)
  const scheduleA = a.services.tokens.schedule
  const scheduleB = b.services.tokens.schedule
  assert.ok(scheduleA && scheduleB)
  // 30 minutes of jitter: 0.5 → 05:15, 0.9 → 05:27 local.
  assert.equal(scheduleA.nextRunAt.toISOString(), '2026-12-04T00:15:00.000Z')
  assert.equal(scheduleB.nextRunAt.toISOString(), '2026-12-04T00:27:00.000Z')
  await a.services.tokens.session.withToken((token) => fake.client.xReport(token, 'SWK00000001'))
  assert.equal(fake.stats.authorize, 1)

  clock.set(new Date('2026-12-04T00:14:59Z'))
  await Promise.all([scheduleA.tick(), scheduleB.tick()])
  assert.equal(fake.stats.authorize, 1, 'not before 05:15')

  clock.set(new Date('2026-12-04T00:15:00Z'))
  await Promise.all([scheduleA.tick(), scheduleB.tick()])
  assert.equal(fake.stats.authorize, 2, 'process A refreshed at 05:15')
  const status = await b.services.tokens.tokens.status()
  assert.equal(status.lastRefreshReason, 'scheduled')
  assert.equal(status.obtainedAt?.toISOString(), '2026-12-04T00:15:00.000Z')

  clock.set(new Date('2026-12-04T00:27:00Z'))
  await Promise.all([scheduleA.tick(), scheduleB.tick()])
  assert.equal(fake.stats.authorize, 2, 'process B found today’s refresh done and skipped it')

  // Calls keep working with the scheduled token (strict mode: the old one is dead).
  const result = await b.services.tokens.session.withToken((token) => fake.client.xReport(token, 'SWK00000001'))
  assert.equal(result.kind, 'ok')
  assert.equal(fake.stats.authorize, 2)

  // The next day, the same again.
  assert.equal(scheduleA.nextRunAt.toISOString(), '2026-12-05T00:15:00.000Z')
  clock.set(new Date('2026-12-05T00:30:00Z'))
  await Promise.all([scheduleB.tick(), scheduleA.tick()])
  assert.equal(fake.stats.authorize, 3)
})

test('the schedule follows FISCAL_TOKEN_REFRESH_AT, FISCAL_TIMEZONE and the jitter setting, and can be off', async () => {
  const fake = createFakeWebkassa()
  const clock = manualClock(new Date('2026-12-03T10:00:00Z'))
  const app = await startFiscal(
    {
      ...CONFIGURED_ENV,
      FISCAL_TOKEN_REFRESH_AT: '03:30',
      FISCAL_TIMEZONE: 'Europe/Moscow',
      FISCAL_TOKEN_REFRESH_JITTER_MINUTES: '0',
    },
    { clock, overrides: { webkassa: fake.client, random: () => 0.99 } },
  )
  opened.push(app)
  assert.equal(app.services.tokens.schedule?.nextRunAt.toISOString(), '2026-12-04T00:30:00.000Z')
  const status = await app.app.inject({
    method: 'GET',
    url: '/api/token/status',
    headers: { authorization: 'Bearer fiscal-admin-token-for-tests-0123456789' },
  })
  assert.equal(status.json().next_scheduled_refresh_at, '2026-12-04T00:30:00.000Z')

  const off = await startFiscal(
    { ...CONFIGURED_ENV, FISCAL_TOKEN_SCHEDULED_REFRESH: 'false' },
    { db: app.db, clock, overrides: { webkassa: fake.client } },
  )
  opened.push(off)
  assert.equal(off.services.tokens.schedule, undefined)
})
