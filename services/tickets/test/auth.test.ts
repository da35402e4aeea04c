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
    const service = createUserService({ users, clock, cacheTtlMs: 60_000 })
    return { service, clock, lookups: () => lookups }
  }

  test('thousands of junk variants of one valid header are refused and never grow the cache', async () => {
    const { service, lookups } = makeService()
    const valid = basicAuthHeader(user.email, user.password)
    assert.equal(await service.authenticate(valid), user.id)
    let refused = 0
    for (let i = 0; i < 5_000; i++) {
      const variant = i % 2 === 0 ? `${valid}${i.toString(36)}` : `${valid.slice(0, -1)}${'='.repeat(2 + (i % 7))}`
      try {
        await service.authenticate(variant)
      } catch (error) {
        assert.equal((error as { code: string }).code, 'UNAUTHORIZED')
        refused++
      }
    }
    assert.equal(refused, 5_000)
    assert.equal(service.cachedCredentials, 1)
    assert.equal(lookups(), 1, 'junk never reaches the database')
    // The scheme's case does not make another entry either: the key is the credentials' one canonical token.
    await service.authenticate(valid.replace('Basic', 'BASIC'))
    assert.equal(service.cachedCredentials, 1)
    assert.equal(lookups(), 1)
  })

  test('expired credentials leave memory without being read again', async () => {
    const { service, clock } = makeService()
    await service.authenticate(basicAuthHeader(user.email, user.password))
    clock.advance(59_999)
    await service.authenticate(basicAuthHeader(other.email, other.password))
    assert.equal(service.cachedCredentials, 2)
    clock.advance(60_000)
    // Both have expired and neither is read again; the next entry set drops them.
    await service.authenticate(basicAuthHeader(user.email, user.password))
    assert.equal(service.cachedCredentials, 1, 'the expired entries were swept when the next one was set')
  })
})
