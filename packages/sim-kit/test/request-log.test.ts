import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRequestLog } from '../src/index.ts'
import { startSimulator } from './helpers.ts'

test('the request log records each call with its operation, status and the fault that decided it', async () => {
  const { app } = await startSimulator()
  await app.inject({ method: 'POST', url: '/pay' })
  await app.inject({ url: '/items/9' })
  await app.inject({ method: 'PUT', url: '/__sim/operations/pay', payload: { status: 500 } })
  await app.inject({ method: 'POST', url: '/pay' })

  const all = (await app.inject({ url: '/__sim/requests' })).json().requests
  assert.deepEqual(
    all.map((entry: Record<string, unknown>) => [entry.operation, entry.method, entry.url, entry.status, entry.fault]),
    [
      ['pay', 'POST', '/pay', 200, undefined],
      ['GET /items/:id', 'GET', '/items/9', 200, undefined],
      ['pay', 'POST', '/pay', 500, 'status 500'],
    ],
    '/__sim calls are not logged',
  )
  assert.ok(all.every((entry: { at: string; durationMs: number }) => !Number.isNaN(Date.parse(entry.at))))

  const lastPay = (await app.inject({ url: '/__sim/requests?operation=pay&limit=1' })).json().requests
  assert.equal(lastPay.length, 1)
  assert.equal(lastPay[0].status, 500)
  assert.equal((await app.inject({ url: '/__sim/requests?limit=-1' })).statusCode, 400)

  assert.equal((await app.inject({ method: 'DELETE', url: '/__sim/requests' })).statusCode, 204)
  assert.deepEqual((await app.inject({ url: '/__sim/requests' })).json().requests, [])
})

test('the request log keeps only the newest entries up to its capacity', () => {
  const log = createRequestLog(3)
  for (let i = 1; i <= 5; i++) {
    log.add({ at: new Date(0).toISOString(), operation: 'op', method: 'GET', url: `/${i}`, status: 200, durationMs: 0 })
  }
  assert.deepEqual(
    log.list().map((entry) => entry.url),
    ['/3', '/4', '/5'],
  )
  assert.equal(log.count('op'), 3)
  assert.equal(log.count('other'), 0)
})
