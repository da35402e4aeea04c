import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { basicAuthHeader, manualClock, sha256Hex } from '@kokdala/core'
import { createUserService } from '../src/modules/users/service.ts'
import { basic, buyers, client, startTickets } from './harness.ts'

describe('authentication', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  before(async () => {
    t = await startTickets()
    api = client(t)
  })
  after(() => t.close())

  test('public endpoints answer without credentials', async () => {
    assert.equal((await api.get('/api/events?page=1&pageSize=20')).status, 200)
    assert.equal((await api.get('/api/seats?event_id=2&page=1&pageSize=20')).status, 200)
    assert.equal((await api.get('/api/analytics?id=2')).status, 200)
    assert.equal((await api.post('/api/reset')).status, 200)
    assert.equal(
      (await api.post('/api/payments/notifications', { paymentId: 'test-payment-id', status: 'success' })).status,
      200,
    )
  })

  test('protected endpoints answer 401 with a JSON error without or with wrong credentials', async () => {
    const none = await api.post('/api/bookings', { event_id: 1 })
    assert.equal(none.status, 401)
    assert.equal(none.json.error.code, 'UNAUTHORIZED')
    assert.match(String(none.headers['www-authenticate']), /^Basic/)
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/api/bookings',
      headers: { authorization: basic({ email: 'test', password: 'test' }) },
    })
    assert.equal(wrong.statusCode, 401)
    for (const [url, payload] of [
      ['/api/seats/select', { booking_id: 1, seat_id: 1 }],
      ['/api/seats/release', { seat_id: 1 }],
      ['/api/bookings/initiatePayment', { booking_id: 1 }],
      ['/api/bookings/cancel', { booking_id: 1 }],
    ] as const) {
      assert.equal((await api.patch(url, payload)).status, 401, url)
    }
  })

  test('a non-ASCII email and a password with punctuation authenticate', async () => {
    const response = await api.get('/api/bookings', buyers[2])
    assert.equal(response.status, 200)
    assert.deepEqual(response.json, [])
  })

  test('credentials are split at the first colon, so passwords may contain colons', async () => {
    const user = { id: 77, email: 'colon@test.kz', password: 'a:b:c' }
    await t.db.query(
      `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at) VALUES ($1, $2, $3, 'А', 'Б', now())`,
      [user.id, user.email, sha256Hex(user.password)],
    )
    assert.equal((await api.get('/api/bookings', user)).status, 200)
  })

  test('a cached success does not let a wrong password through', async () => {
    assert.equal((await api.get('/api/bookings', buyers[0])).status, 200)
    assert.equal((await api.get('/api/bookings', { ...buyers[0], password: `${buyers[0].password}x` })).status, 401)
  })

  test('a Basic user or password with a NUL or another control character is 401, not 500', async () => {
    for (const [email, password] of [
      ['a\u0000b', 'x'],
      [`${buyers[0].email}\u0000`, buyers[0].password],
      [buyers[0].email, `${buyers[0].password}\u0000`],
      ['a\nb', 'x'],
    ]) {
      const response = await api.get('/api/bookings', { id: 0, email, password })
      assert.equal(response.status, 401, JSON.stringify(email))
      assert.equal(response.json.error.code, 'UNAUTHORIZED')
      assert.match(String(response.headers['www-authenticate']), /^Basic/)
    }
  })

  test('junk after a valid Basic value, non-canonical base64 and over-long headers are 401', async () => {
    const valid = basic(buyers[0])
    for (const authorization of [
      `${valid}junk`,
      `${valid}=`,
      `${valid} x`,
      valid.replace(/=+$/, ''),
      `${valid.slice(0, 10)}\t${valid.slice(10)}`,
      basicAuthHeader(buyers[0].email, `${buyers[0].password}${' '.repeat(1_000)}`),
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/bookings', headers: { authorization } })
      assert.equal(response.statusCode, 401, authorization)
      assert.equal(response.json().error.code, 'UNAUTHORIZED')
      assert.match(String(response.headers['www-authenticate']), /^Basic/)
    }
    const lowerCase = await t.app.inject({
      method: 'GET',
      url: '/api/bookings',
      headers: { authorization: valid.replace('Basic', 'basic') },
    })
    assert.equal(lowerCase.statusCode, 200, 'the scheme is case-insensitive')
  })

  test('an unknown route answers 404 with the JSON error body', async () => {
    const response = await api.get('/api/nothing')
    assert.equal(response.status, 404)
    assert.equal(response.json.error.code, 'NOT_FOUND')
  })
})

describe('verified-credentials cache', () => {
  const user = { id: 7, email: 'cache@test.kz', password: 'secret' }
  const other = { id: 8, email: 'other@test.kz', password: 'hunter2' }
  const failureLimits = {
    perAccountAndIp: { max: 10, windowMs: 300_000 },
    perIp: { max: 30, windowMs: 300_000 },
    perAccount: { max: 100, windowMs: 300_000 },
  }
  function makeService() {
    let lookups = 0
    const clock = manualClock()
    const users = {
      async findCredentials(email: string) {
        lookups++
        const found = [user, other].find((candidate) => candidate.email === email)
        return found && { id: found.id, passwordHash: sha256Hex(found.password) }
      },
    }
    const service = createUserService({ users, failureLimits, clock, cacheTtlMs: 60_000 })
    return { service, clock, lookups: () => lookups }
  }

  test('thousands of junk variants of one valid header are refused and never grow the cache', async () => {
    const { service, lookups } = makeService()
    const valid = basicAuthHeader(user.email, user.password)
    assert.equal(await service.authenticate(valid, '10.0.0.1'), user.id)
    let refused = 0
    for (let i = 0; i < 5_000; i++) {
      const variant = i % 2 === 0 ? `${valid}${i.toString(36)}` : `${valid.slice(0, -1)}${'='.repeat(2 + (i % 7))}`
      try {
        await service.authenticate(variant, '10.0.0.1')
      } catch (error) {
        assert.equal((error as { code: string }).code, 'UNAUTHORIZED')
        refused++
      }
    }
    assert.equal(refused, 5_000)
    assert.equal(service.cachedCredentials, 1)
    assert.equal(lookups(), 1, 'junk never reaches the database')
    // The scheme's case does not make another entry either: the key is the credentials' one canonical token.
    await service.authenticate(valid.replace('Basic', 'BASIC'), '10.0.0.1')
    assert.equal(service.cachedCredentials, 1)
    assert.equal(lookups(), 1)
  })

  test('a burst of one user’s first requests shares one look-up and is never taken for a brute force', async () => {
    const { service, lookups } = makeService()
    const valid = basicAuthHeader(user.email, user.password)
    const ids = await Promise.all(Array.from({ length: 200 }, () => service.authenticate(valid, '10.0.0.1')))
    assert.deepEqual(new Set(ids), new Set([user.id]), 'all 200 log in (they were 429 after the tenth)')
    assert.equal(lookups(), 1)
    const wrong = basicAuthHeader(user.email, 'wrong')
    const answers = await Promise.allSettled(Array.from({ length: 20 }, () => service.authenticate(wrong, '10.0.0.1')))
    assert.ok(answers.every((answer) => answer.status === 'rejected'))
    assert.equal(lookups(), 2, 'one look-up for the burst of identical wrong guesses')
    await assert.rejects(
      service.authenticate(valid, '10.0.0.1'),
      (error: { code: string }) => {
        return error.code === 'RATE_LIMITED'
      },
      'each identical wrong guess still counts as a failure',
    )
  })

  test('hundreds of users logging in at once from one address (a proxy, a load test) are not a password spray', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ id: 1_000 + i, email: `u${i}@test.kz`, password: `p${i}` }))
    const users = {
      async findCredentials(email: string) {
        await new Promise((resolve) => setImmediate(resolve))
        const found = many.find((candidate) => candidate.email === email)
        return found && { id: found.id, passwordHash: sha256Hex(found.password) }
      },
    }
    const service = createUserService({ users, failureLimits, clock: manualClock() })
    const ids = await Promise.all(
      many.map((u) => service.authenticate(basicAuthHeader(u.email, u.password), '10.0.0.1')),
    )
    assert.deepEqual(
      ids,
      many.map((u) => u.id),
      'all 300 log in (they were 429 past the 30th)',
    )
  })

  test('expired credentials leave memory without being read again', async () => {
    const { service, clock } = makeService()
    await service.authenticate(basicAuthHeader(user.email, user.password), '10.0.0.1')
    clock.advance(59_999)
    await service.authenticate(basicAuthHeader(other.email, other.password), '10.0.0.2')
    assert.equal(service.cachedCredentials, 2)
    clock.advance(60_000)
    // Both have expired and neither is read again; the next entry set drops them.
    await service.authenticate(basicAuthHeader(user.email, user.password), '10.0.0.1')
    assert.equal(service.cachedCredentials, 1, 'the expired entries were swept when the next one was set')
  })
})

describe('brute-force protection of Basic Auth (default limits)', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  before(async () => {
    t = await startTickets()
  })
  after(() => t.close())

  const login = (user: { email: string; password: string }, remoteAddress: string) =>
    t.app.inject({ method: 'GET', url: '/api/bookings', remoteAddress, headers: { authorization: basic(user) } })
  const wrong = (user: { email: string; password: string }) => ({ ...user, password: `${user.password}!` })

  test('a flood of wrong passwords from one address gets 429 with Retry-After, while others still log in', async () => {
    const attacker = '203.0.113.7'
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await login(wrong(buyers[0]), attacker)).statusCode)
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401))
    assert.deepEqual(statuses.slice(10), Array(30).fill(429))
    const refused = await login(wrong(buyers[0]), attacker)
    assert.equal(refused.json().error.code, 'RATE_LIMITED')
    assert.equal(refused.headers['retry-after'], '300')
    assert.equal(refused.headers['www-authenticate'], undefined)
    // The right password gets the same answer: the refusal is decided before the password is looked at.
    assert.equal((await login(buyers[0], attacker)).statusCode, 429)
    assert.equal((await login(buyers[1], '198.51.100.2')).statusCode, 200, 'another user from another address')
    assert.equal((await login(buyers[0], '198.51.100.3')).statusCode, 200, 'the victim from its own address')

    t.clock.advance(120_000)
    assert.equal((await login(wrong(buyers[0]), attacker)).headers['retry-after'], '180')
    t.clock.advance(180_000)
    assert.equal((await login(buyers[0], attacker)).statusCode, 200, 'the limit lifts after the window')
    assert.equal((await login(wrong(buyers[0]), attacker)).statusCode, 401)
  })

  test('one address trying many accounts is refused after the per-address limit', async () => {
    const sprayer = '203.0.113.8'
    for (let i = 0; i < 30; i++) {
      const response = await login({ email: `user${i}@spray.kz`, password: 'Password1' }, sprayer)
      assert.equal(response.statusCode, 401, `attempt ${i}`)
    }
    assert.equal((await login({ email: 'user99@spray.kz', password: 'Password1' }, sprayer)).statusCode, 429)
    assert.equal((await login(buyers[2], sprayer)).statusCode, 429, 'for every account, the right password too')
    assert.equal((await login(buyers[2], '198.51.100.4')).statusCode, 200)
  })

  test('guesses from many addresses cannot lock the owner out of the account', async () => {
    for (let i = 0; i < 100; i++) assert.equal((await login(wrong(buyers[1]), `192.0.2.${i}`)).statusCode, 401)
    assert.equal((await login(wrong(buyers[1]), '192.0.2.1')).statusCode, 429, 'an address that failed is refused')
    assert.equal((await login(buyers[1], '192.0.2.1')).statusCode, 429)
    assert.equal((await login(wrong(buyers[1]), '192.0.2.200')).statusCode, 401, 'a fresh address gets one guess')
    assert.equal((await login(wrong(buyers[1]), '192.0.2.200')).statusCode, 429)
    assert.equal((await login(buyers[1], '198.51.100.5')).statusCode, 200, 'the owner logs in from its address')
  })

  test('the HackLoad monitor (invalid test:test 5 times every 15 minutes) keeps getting 401', async () => {
    const monitor = '198.51.100.50'
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 5; i++) {
        assert.equal((await login({ email: 'test', password: 'test' }, monitor)).statusCode, 401, `round ${round}`)
      }
      t.clock.advance(15 * 60_000)
    }
  })
})
