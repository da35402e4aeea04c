import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '@kokdala/core'
import { Type } from 'typebox'
import { controlRoutesEnabled, SimControlSettings } from '../src/index.ts'
import { startSimulator } from './helpers.ts'

const Config = Type.Object({ ...SimControlSettings })
const enabled = (env: Record<string, string>) => controlRoutesEnabled(loadConfig(Config, env))

test('the /__sim controls stay closed for any production-like NODE_ENV, not only the exact word', () => {
  for (const env of ['Production', 'PRODUCTION', 'production ', 'prod', 'staging', 'live']) {
    assert.equal(enabled({ NODE_ENV: env }), false, env)
  }
  for (const env of ['development', 'Development', 'test', 'dev']) assert.equal(enabled({ NODE_ENV: env }), true, env)
  assert.equal(enabled({ NODE_ENV: 'staging', SIM_CONTROL: 'on' }), true)
})

test('scripts cannot grow without bound over repeated calls', async () => {
  const { app } = await startSimulator()
  const outcomes = Array.from({ length: 1000 }, () => ({ status: 500 }))
  const first = await app.inject({ method: 'POST', url: '/__sim/operations/pay/script', payload: { outcomes } })
  assert.equal(first.statusCode, 200)
  const second = await app.inject({ method: 'POST', url: '/__sim/operations/pay/script', payload: { outcomes } })
  assert.equal(second.statusCode, 400)
  assert.equal(second.json().error.code, 'INVALID_SCRIPT')
  assert.equal(
    (await app.inject({ url: '/__sim/operations' }))
      .json()
      .operations.find((o: { operation: string }) => o.operation === 'pay').scripted.length,
    1000,
  )
})

test('hostile bodies to the /__sim routes are 4xx with a code, never 500', async () => {
  const { app } = await startSimulator()
  const json = { 'content-type': 'application/json' }
  const cases: Array<{ method: 'POST' | 'PUT'; url: string; payload: string; headers?: Record<string, string> }> = [
    { method: 'POST', url: '/__sim/faults', payload: 'null', headers: json },
    { method: 'POST', url: '/__sim/faults', payload: '[1,2]', headers: json },
    { method: 'POST', url: '/__sim/faults', payload: '{"__proto__":{"outage":true}}', headers: json },
    { method: 'POST', url: '/__sim/faults', payload: '{"outage":"yes"}', headers: json },
    { method: 'POST', url: '/__sim/faults', payload: '{', headers: json },
    { method: 'POST', url: '/__sim/faults', payload: 'outage=true', headers: { 'content-type': 'text/plain' } },
    { method: 'PUT', url: '/__sim/operations/pay', payload: '{"status":200}', headers: json },
    { method: 'PUT', url: '/__sim/operations/pay', payload: `{"latencyMs":1e400}`, headers: json },
    { method: 'PUT', url: `/__sim/operations/${'x'.repeat(90)}`, payload: '{}', headers: json },
    { method: 'POST', url: '/__sim/operations/pay/script', payload: 'null', headers: json },
    { method: 'POST', url: '/__sim/operations/pay/script', payload: '{"outcomes":[]}', headers: json },
    { method: 'POST', url: '/__sim/operations/pay/script', payload: '{"outcomes":{"length":5}}', headers: json },
  ]
  for (const { method, url, payload, headers } of cases) {
    const response = await app.inject({ method, url, payload, headers })
    assert.ok(
      response.statusCode >= 400 && response.statusCode < 500,
      `${method} ${url.slice(0, 40)} ${payload}: ${response.statusCode}`,
    )
    assert.equal(typeof response.json().error?.code, 'string', response.body)
  }
  assert.equal((await app.inject({ url: '/__sim/faults' })).json().outage, false, 'nothing was switched on')
})

test('/__sim/requests?limit=0 lists no calls, not the whole log', async () => {
  const { app } = await startSimulator()
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/pay' })
  assert.equal((await app.inject({ url: '/__sim/requests?limit=1' })).json().requests.length, 1)
  assert.deepEqual((await app.inject({ url: '/__sim/requests?limit=0' })).json().requests, [])
})
