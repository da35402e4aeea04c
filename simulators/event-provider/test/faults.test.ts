import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createOrder, startProvider } from './helpers.ts'

const ORDERS = '/api/partners/v1/orders'

describe('fault switch', () => {
  test('outage answers 503 with no body to every partner call; /__sim stays reachable', async () => {
    const { app } = startProvider()
    const set = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: true } })
    assert.deepEqual(set.json(), { outage: true, latencyMs: 0, errorRate: 0 })
    const response = await app.inject({ method: 'POST', url: ORDERS })
    assert.equal(response.statusCode, 503)
    assert.equal(response.body, '')
    assert.equal((await app.inject({ method: 'GET', url: '/api/partners/v1/places' })).statusCode, 503)
    assert.equal((await app.inject({ method: 'GET', url: '/__sim/health' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/__sim/faults' })).json().outage, true)

    await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: false } })
    assert.equal((await app.inject({ method: 'POST', url: ORDERS })).statusCode, 201)
  })

  test('errorRate 1 answers 500 before doing anything', async () => {
    const { app } = startProvider()
    app.simulator.setFaults({ errorRate: 1 })
    assert.equal((await app.inject({ method: 'POST', url: ORDERS })).statusCode, 500)
    app.simulator.resetFaults()
    assert.deepEqual(app.simulator.getFaults(), { outage: false, latencyMs: 0, errorRate: 0 })
  })

  test('errorRate uses the injected random source', async () => {
    const { app } = startProvider({ random: () => 0.6 })
    app.simulator.setFaults({ errorRate: 0.5 })
    assert.equal((await app.inject({ method: 'POST', url: ORDERS })).statusCode, 201)
    app.simulator.setFaults({ errorRate: 0.7 })
    assert.equal((await app.inject({ method: 'POST', url: ORDERS })).statusCode, 500)
  })

  test('latency delays every partner call', async () => {
    const { app } = startProvider()
    await app.inject({ method: 'POST', url: '/__sim/faults', payload: { latencyMs: 60 } })
    const started = performance.now()
    await createOrder(app)
    assert.ok(performance.now() - started >= 55, 'the call waited for the configured latency')
  })

  test('invalid fault settings are rejected and change nothing', async () => {
    const { app } = startProvider()
    for (const payload of [{ errorRate: 2 }, { latencyMs: -1 }, { outage: 'yes' }, { surprise: true }]) {
      const response = await app.inject({ method: 'POST', url: '/__sim/faults', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
    }
    assert.throws(() => app.simulator.setFaults({ errorRate: 2 }), TypeError)
    assert.deepEqual(app.simulator.getFaults(), { outage: false, latencyMs: 0, errorRate: 0 })
  })

  test('DELETE /__sim/faults clears every fault', async () => {
    const { app } = startProvider()
    app.simulator.setFaults({ outage: true, latencyMs: 5, errorRate: 0.5 })
    const cleared = await app.inject({ method: 'DELETE', url: '/__sim/faults' })
    assert.deepEqual(cleared.json(), { outage: false, latencyMs: 0, errorRate: 0 })
  })

  test('unknown routes are a bare 404', async () => {
    const { app } = startProvider()
    const response = await app.inject({ method: 'GET', url: '/api/partners/v1/nothing' })
    assert.equal(response.statusCode, 404)
    assert.equal(response.body, '')
  })
})
