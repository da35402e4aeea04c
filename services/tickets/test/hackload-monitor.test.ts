import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { basicAuthHeader } from '@kokdala/core'
import { type Platform, startPlatform } from './simulators.ts'

/**
 * The organisers' deployment monitor (research/hackload.md §5.2): 13 calls against the deployment, some without
 * credentials, some with the invalid `test:test`, each passing when its status is one of those it accepts. Redirects
 * are not followed. Run against tickets wired as `npm start` wires it: both simulators, a webhook secret set.
 */
const TEST_TEST = basicAuthHeader('test', 'test')
const CALLS: Array<{ method: string; path: string; auth?: boolean; body?: unknown; accepted: number[] }> = [
  { method: 'GET', path: '/api/events?page=1&pageSize=20', accepted: [200] },
  { method: 'POST', path: '/api/bookings', auth: true, body: { event_id: 1 }, accepted: [201, 400, 401, 403] },
  { method: 'GET', path: '/api/bookings', auth: true, accepted: [200, 401, 403] },
  {
    method: 'PATCH',
    path: '/api/bookings/initiatePayment',
    auth: true,
    body: { booking_id: 1 },
    accepted: [302, 400, 401, 403, 404],
  },
  {
    method: 'PATCH',
    path: '/api/bookings/cancel',
    auth: true,
    body: { booking_id: 1 },
    accepted: [200, 400, 401, 403, 404],
  },
  { method: 'GET', path: '/api/seats?event_id=1&page=1&pageSize=20', accepted: [200, 400, 401] },
  {
    method: 'PATCH',
    path: '/api/seats/select',
    auth: true,
    body: { booking_id: 1, seat_id: 1 },
    accepted: [200, 400, 401, 403, 419],
  },
  {
    method: 'PATCH',
    path: '/api/seats/release',
    auth: true,
    body: { seat_id: 1 },
    accepted: [200, 400, 401, 403, 419],
  },
  { method: 'GET', path: '/api/payments/success?orderId=1', accepted: [200, 400, 404] },
  { method: 'GET', path: '/api/payments/fail?orderId=1', accepted: [200, 400, 404] },
  {
    method: 'POST',
    path: '/api/payments/notifications',
    body: { paymentId: 'monitor-check', status: 'CONFIRMED', teamSlug: 'monitor', timestamp: '2025-08-20T10:00:00' },
    accepted: [200, 400],
  },
  { method: 'GET', path: '/api/analytics?id=1', accepted: [200, 400, 401, 404] },
  { method: 'POST', path: '/api/reset', accepted: [200, 204] },
]

describe('the HackLoad deployment monitor passes 13 of 13 calls', () => {
  let platform: Platform
  before(async () => {
    platform = await startPlatform()
  })
  after(() => platform?.close())

  // One round: the monitor runs every 15 minutes, so its six invalid test:test logins never reach the brute-force
  // limit (10 per account and address per 5 minutes); two rounds back to back would.
  test('every call answers a status the monitor accepts', async () => {
    const passed: string[] = []
    for (const call of CALLS) {
      const response = await fetch(`${platform.ticketsUrl}${call.path}`, {
        method: call.method,
        redirect: 'manual',
        headers: {
          ...(call.auth ? { authorization: TEST_TEST } : {}),
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      })
      await response.arrayBuffer()
      const what = `${call.method} ${call.path} → ${response.status}`
      assert.ok(call.accepted.includes(response.status), `${what}, accepted ${call.accepted.join('/')}`)
      passed.push(what)
    }
    assert.equal(passed.length, 13)
  })
})
