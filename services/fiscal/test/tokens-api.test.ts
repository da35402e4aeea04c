import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { manualClock } from '@kokdala/core'
import { createFakeWebkassa } from './fake-webkassa.ts'
import { ADMIN_TOKEN, type StartedFiscal, startFiscal } from './harness.ts'
import { CONFIGURED_ENV, SECRETS } from './secrets.ts'

const fake = createFakeWebkassa()
const clock = manualClock(new Date('2026-12-03T10:00:00Z'))
let fiscal: StartedFiscal
before(async () => {
  fiscal = await startFiscal(CONFIGURED_ENV, { clock, overrides: { webkassa: fake.client } })
})
after(() => fiscal.close())

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const get = (headers: Record<string, string> = admin) =>
  fiscal.app.inject({ method: 'GET', url: '/api/token/status', headers })
const refresh = () => fiscal.app.inject({ method: 'POST', url: '/api/token/refresh', headers: admin })

test('the token status needs the admin token', async () => {
  const none = await get({})
  assert.equal(none.statusCode, 401)
  assert.equal(none.json().error.code, 'ADMIN_UNAUTHORIZED')
  const wrong = await get({ authorization: 'Bearer not-the-admin-token-at-all-0123456789' })
  assert.equal(wrong.statusCode, 401)
})

test('before any login the status says so', async () => {
  const answer = await get()
  assert.equal(answer.statusCode, 200)
  const body = answer.json()
  assert.equal(body.configured, true)
  assert.equal(body.has_token, false)
  assert.equal(body.generation, 0)
  assert.equal(body.fingerprint, null)
  assert.equal(body.age_seconds, null)
})

test('a refresh logs in; the status shows age, generation, fingerprint and history — never the token', async () => {
  const refreshed = await refresh()
  assert.equal(refreshed.statusCode, 200)
  assert.equal(refreshed.json().refreshed, true)
  clock.advance(90_000)
  const answer = await get()
  const body = answer.json()
  assert.equal(body.has_token, true)
  assert.equal(body.generation, 1)
  assert.match(body.fingerprint, /^[0-9a-f]{8}$/)
  assert.equal(body.age_seconds, 90)
  assert.equal(body.last_refresh_reason, 'manual')
  assert.equal(body.key_version, 'k1')
  assert.equal(body.blocked, false)
  assert.equal(body.history.length, 1)
  const [token] = fake.issuedTokens()
  for (const text of [answer.body, refreshed.body]) {
    assert.ok(!text.includes(token as string), 'the token is never in an answer')
    for (const secret of [SECRETS.login, SECRETS.password, SECRETS.apiKey]) assert.ok(!text.includes(secret))
  }
})

test('a refused login is 409 WEBKASSA_AUTH_BLOCKED with the code, and the status shows the block', async () => {
  fake.changePassword('changed-in-the-cabinet')
  const refused = await refresh()
  assert.equal(refused.statusCode, 409)
  assert.equal(refused.json().error.code, 'WEBKASSA_AUTH_BLOCKED')
  assert.deepEqual(refused.json().error.details, { codes: [1] })
  const body = (await get()).json()
  assert.equal(body.blocked, true)
  assert.equal(body.blocked_until, '2026-12-03T10:31:30.000Z')
  assert.equal(body.last_error.code, 1)
  assert.equal(body.has_token, true, 'the previous token stays until a login succeeds')
  assert.ok(!JSON.stringify(body).includes('changed-in-the-cabinet'))
})

test('without credentials a refresh is 503 WEBKASSA_NOT_CONFIGURED', async () => {
  const bare = await startFiscal({}, { overrides: { webkassa: fake.client } })
  try {
    const answer = await bare.app.inject({ method: 'POST', url: '/api/token/refresh', headers: admin })
    assert.equal(answer.statusCode, 503)
    assert.equal(answer.json().error.code, 'WEBKASSA_NOT_CONFIGURED')
    assert.equal(
      (await bare.app.inject({ method: 'GET', url: '/api/token/status', headers: admin })).json().configured,
      false,
    )
  } finally {
    await bare.close()
  }
})
