import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { basic, buyers, startTickets } from './harness.ts'

/** Numbers and texts an attacker puts where an id belongs: out of range, not finite, rounded, not numbers. */
const HOSTILE_QUERY_IDS = [
  '1e20',
  '9223372036854775807',
  '9223372036854775808',
  '9007199254740993',
  'Infinity',
  '-Infinity',
  'NaN',
  '-1',
  '0',
  '1.5',
  'abc',
  '%00',
  '1%00',
  '',
]
const HOSTILE_BODY_IDS = [
  '1e20',
  '9223372036854775807',
  '9007199254740993',
  '"Infinity"',
  'true',
  '"1"',
  '" 1"',
  '"0x10"',
  'null',
  '[]',
  '{}',
  '-1',
  '0',
  '1.5',
  '"\\u0000"',
]

describe('hostile input: every endpoint answers a clear 4xx with a stable code, never a 500', () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  const [alice] = buyers
  before(async () => {
    t = await startTickets()
  })
  after(() => t.close())

  async function expectClientError(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: string) {
    const response = await t.app.inject({
      method,
      url,
      headers: {
        authorization: basic(alice),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      payload,
    })
    const what = `${method} ${url} ${payload ?? ''}`
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${what} → ${response.statusCode}`)
    const code = response.json().error?.code
    assert.match(String(code), /^[A-Z_]+$/, `${what} has a stable error code`)
    return response
  }

  test('ids in query strings: seats, analytics, payment callbacks', async () => {
    for (const id of HOSTILE_QUERY_IDS) {
      await expectClientError('GET', `/api/seats?event_id=${id}`)
      await expectClientError('GET', `/api/analytics?id=${id}`)
      await expectClientError('GET', `/api/payments/success?orderId=${id}`)
      await expectClientError('GET', `/api/payments/fail?orderId=${id}`)
      await expectClientError('GET', `/api/seats?event_id=1&row=${id === '' ? 'x' : id}`)
    }
  })

  test('ids in JSON bodies: create booking, select, release, initiate payment, cancel', async () => {
    for (const id of HOSTILE_BODY_IDS) {
      await expectClientError('POST', '/api/bookings', `{"event_id":${id}}`)
      await expectClientError('PATCH', '/api/seats/select', `{"booking_id":${id},"seat_id":1}`)
      await expectClientError('PATCH', '/api/seats/select', `{"booking_id":1,"seat_id":${id}}`)
      await expectClientError('PATCH', '/api/seats/release', `{"seat_id":${id}}`)
      await expectClientError('PATCH', '/api/bookings/initiatePayment', `{"booking_id":${id}}`)
      await expectClientError('PATCH', '/api/bookings/cancel', `{"booking_id":${id}}`)
    }
    const { rows } = await t.db.query('SELECT 1 FROM booking')
    assert.equal(rows.length, 0, 'no hostile body created a booking (`true` once did, for event 1)')
  })

  test('NUL bytes and year 0 in searches', async () => {
    for (const query of ['query=%00', 'query=a%00b', 'date=0000-01-01', 'date=2024-02-30', 'date=%00']) {
      await expectClientError('GET', `/api/events?${query}`)
    }
  })

  test('a Basic header whose user or password holds a NUL is a 401', async () => {
    for (const credentials of [
      'a\u0000b@fest.tix:x',
      `${alice.email}\u0000:${alice.password}`,
      `${alice.email}:\u0000`,
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/bookings',
        headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      })
      assert.equal(response.statusCode, 401, JSON.stringify(credentials))
      assert.equal(response.json().error.code, 'UNAUTHORIZED')
    }
  })
})
