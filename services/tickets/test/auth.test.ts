import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sha256Hex } from '@kokdala/core'
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

  test('an unknown route answers 404 with the JSON error body', async () => {
    const response = await api.get('/api/nothing')
    assert.equal(response.status, 404)
    assert.equal(response.json.error.code, 'NOT_FOUND')
  })
})
