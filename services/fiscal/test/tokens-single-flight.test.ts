import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { manualClock } from '@kokdala/core'
import { createFakeWebkassa, type FakeWebkassa } from './fake-webkassa.ts'
import { type StartedFiscal, startFiscal } from './harness.ts'
import { CONFIGURED_ENV } from './secrets.ts'

const opened: StartedFiscal[] = []
after(async () => {
  for (const app of opened.reverse()) await app.close()
})

/** Two processes of one deployment: two apps, each with its own session, on one database. */
async function twoProcesses(fake: FakeWebkassa, clock = manualClock(new Date('2026-12-03T10:00:00Z'))) {
  const a = await startFiscal(CONFIGURED_ENV, { clock, overrides: { webkassa: fake.client } })
  const b = await startFiscal(CONFIGURED_ENV, { db: a.db, clock, overrides: { webkassa: fake.client } })
  opened.push(a, b)
  return { a, b, clock }
}

async function until(condition: () => boolean) {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10)
  assert.ok(condition(), 'condition not reached in 5 s')
}

/** One call through the session, with the tokens it was made with (a replay makes two). */
async function xReport(app: StartedFiscal, fake: FakeWebkassa) {
  const tokens: string[] = []
  const result = await app.services.tokens.session.withToken((token) => {
    tokens.push(token)
    return fake.client.xReport(token, 'SWK00000001')
  })
  return { result, tokens }
}

test('the first calls log in once, on demand, however many arrive together', async () => {
  const fake = createFakeWebkassa()
  const { a, b } = await twoProcesses(fake)
  const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => xReport(i % 2 ? a : b, fake)))
  assert.equal(fake.stats.authorize, 1)
  assert.ok(calls.every((call) => call.result.kind === 'ok' && call.tokens.length === 1))
  assert.equal(new Set(calls.map((call) => call.tokens[0])).size, 1, 'every call used the one token')
})

test('20 concurrent calls with an expired token across two processes → exactly one Authorize, all succeed', async () => {
  const fake = createFakeWebkassa()
  const { a, b } = await twoProcesses(fake)
  assert.equal((await xReport(a, fake)).result.kind, 'ok')
  assert.equal((await xReport(b, fake)).result.kind, 'ok')
  assert.equal(fake.stats.authorize, 1)
  fake.expireAll()
  const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => xReport(i % 2 ? a : b, fake)))
  assert.equal(fake.stats.authorize, 2, 'one login for the expired token, not one per call or per process')
  for (const call of calls) {
    assert.equal(call.result.kind, 'ok')
    assert.ok(call.tokens.length <= 2, 'at most one replay')
  }
  const status = await a.services.tokens.tokens.status()
  assert.equal(status.generation, 2)
  assert.equal(status.lastRefreshReason, 'expired')
})

test('a refresh during calls in flight (strict invalidation): every call succeeds after at most one replay', async () => {
  const fake = createFakeWebkassa({ strict: true })
  const { a, b } = await twoProcesses(fake)
  await xReport(a, fake)
  // Ten calls at Webkassa, held there until the refresh below has replaced their token.
  fake.gates.calls.hold()
  const inFlight = Array.from({ length: 10 }, (_, i) => xReport(i % 2 ? a : b, fake))
  await until(() => fake.gates.calls.waiting === 10)
  // An operator's refresh on process B, held inside Authorize: its lease is taken, the login under way.
  fake.gates.authorize.hold()
  const refresh = b.services.tokens.tokens.refreshNow('manual')
  await until(() => fake.gates.authorize.waiting === 1)
  // Calls that start now, on either process, wait for the new token instead of using the one being replaced.
  const during = Array.from({ length: 6 }, (_, i) => xReport(i % 2 ? a : b, fake))
  await sleep(150)
  assert.equal(fake.stats.calls, 11, 'no call went out while the refresh was under way')
  fake.gates.authorize.release()
  const refreshed = await refresh
  fake.gates.calls.release()
  const [flown, waited] = await Promise.all([Promise.all(inFlight), Promise.all(during)])
  assert.equal(refreshed.kind, 'token')
  assert.equal(fake.stats.authorize, 2, 'the manual refresh only: the refused calls reused its token')
  const newToken = refreshed.kind === 'token' ? refreshed.token : ''
  for (const call of flown) {
    assert.equal(call.result.kind, 'ok')
    assert.equal(call.tokens.length, 2, 'refused once, replayed once')
    assert.equal(call.tokens[1], newToken)
  }
  for (const call of waited) {
    assert.equal(call.result.kind, 'ok')
    assert.deepEqual(call.tokens, [newToken], 'started during the refresh: one call, with the new token')
  }
})

test('a replay refused again is returned as it is: one refresh and one replay, never a loop', async () => {
  const fake = createFakeWebkassa()
  const { a } = await twoProcesses(fake)
  await xReport(a, fake)
  let attempts = 0
  const result = await a.services.tokens.session.withToken(async () => {
    attempts++
    return { kind: 'errors', errors: [{ Code: 2, Text: 'Срок действия сессии истек' }] }
  })
  assert.equal(result.kind, 'errors')
  assert.equal(attempts, 2)
  assert.equal(fake.stats.authorize, 2)
})

test('code 1 blocks the account: no second Authorize within the block window, visible in the status', async () => {
  const fake = createFakeWebkassa()
  const { a, b, clock } = await twoProcesses(fake)
  fake.changePassword('changed-by-someone-in-the-cabinet')
  const calls = await Promise.all(Array.from({ length: 10 }, (_, i) => xReport(i % 2 ? a : b, fake)))
  assert.equal(fake.stats.authorize, 1, 'one refused login for both processes')
  for (const call of calls) {
    assert.equal(call.result.kind, 'errors')
    assert.equal(call.result.kind === 'errors' && call.result.errors[0]?.Code, 1)
    assert.equal(call.tokens.length, 0, 'no Webkassa call without a token')
  }
  clock.advance(29 * 60_000)
  await xReport(b, fake)
  await a.services.tokens.tokens.refreshNow('scheduled')
  assert.equal(fake.stats.authorize, 1, 'still blocked after 29 minutes, for calls and the schedule alike')
  const status = await a.services.tokens.tokens.status()
  assert.equal(status.blocked, true)
  assert.equal(status.lastError?.code, 1)
  assert.equal(status.blockedUntil?.toISOString(), '2026-12-03T10:30:00.000Z')

  // The block ends: one new try (still refused here), then blocked again.
  clock.advance(60_000)
  await Promise.all([xReport(a, fake), xReport(b, fake)])
  assert.equal(fake.stats.authorize, 2)
  assert.equal((await a.services.tokens.tokens.status()).blocked, true)
})

test('an operator refresh tries even while blocked, and a success lifts the block', async () => {
  const fake = createFakeWebkassa()
  const { a } = await twoProcesses(fake)
  fake.changePassword('temporarily-wrong')
  await xReport(a, fake)
  assert.equal((await a.services.tokens.tokens.status()).blocked, true)
  fake.changePassword(CONFIGURED_ENV.FISCAL_WEBKASSA_PASSWORD)
  const outcome = await a.services.tokens.tokens.refreshNow('manual')
  assert.equal(outcome.kind, 'token')
  const status = await a.services.tokens.tokens.status()
  assert.equal(status.blocked, false)
  assert.equal(status.lastError, null)
  assert.equal((await xReport(a, fake)).result.kind, 'ok')
})

test('without credentials a call fails with WEBKASSA_NOT_CONFIGURED and nothing is sent', async () => {
  const fake = createFakeWebkassa()
  const app = await startFiscal({}, { overrides: { webkassa: fake.client } })
  opened.push(app)
  await assert.rejects(xReport(app, fake), { code: 'WEBKASSA_NOT_CONFIGURED' })
  assert.equal(fake.stats.authorize, 0)
})
