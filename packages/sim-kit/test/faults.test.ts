import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createSimKit } from '../src/index.ts'
import { startSimulator } from './helpers.ts'

describe('global fault switch', () => {
  test('outage answers 503 through the simulator’s error reply on every operation; /__sim stays reachable', async () => {
    const { app, paid } = await startSimulator()
    const set = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: true } })
    assert.deepEqual(set.json(), { outage: true, latencyMs: 0, errorRate: 0, cancelBroken: false })
    const pay = await app.inject({ method: 'POST', url: '/pay' })
    assert.equal(pay.statusCode, 503)
    assert.deepEqual(pay.json(), { injected: 503 })
    assert.equal((await app.inject({ url: '/items/1' })).statusCode, 503)
    assert.equal(paid(), 0, 'a faulted call never reaches the handler')
    assert.deepEqual((await app.inject({ url: '/__sim/health' })).json(), { status: 'ok', items: 3 })

    await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: false } })
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
  })

  test('errorRate draws from the injected random source', async () => {
    const { app, kit } = await startSimulator({ random: () => 0.6 })
    kit.faults.set({ errorRate: 0.5 })
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
    kit.faults.set({ errorRate: 0.7 })
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 500)
  })

  test('latency delays every operation before it is handled', async () => {
    const { app } = await startSimulator()
    await app.inject({ method: 'POST', url: '/__sim/faults', payload: { latencyMs: 60 } })
    const started = performance.now()
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
    assert.ok(performance.now() - started >= 55, 'the call waited for the configured latency')
  })

  test('the live switch object: a field flipped in code applies to the next call', async () => {
    const { app, kit } = await startSimulator()
    const live = kit.faults.current
    live.outage = true
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 503)
    kit.faults.reset()
    assert.equal(live.outage, false, 'reset changes the same object, so references stay valid')
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
  })

  test('invalid, unknown or mistyped fields are a 400 and change nothing', async () => {
    const { app, kit } = await startSimulator()
    const bad = [{ errorRate: 2 }, { latencyMs: -1 }, { outage: 'yes' }, { surprise: true }, { cancelBroken: 1 }, []]
    for (const payload of bad) {
      const response = await app.inject({ method: 'POST', url: '/__sim/faults', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      assert.equal(response.json().error.code, 'INVALID_FAULTS')
    }
    assert.deepEqual(kit.faults.get(), { outage: false, latencyMs: 0, errorRate: 0, cancelBroken: false })
  })

  test('a simulator’s own switches start at their initial value and DELETE returns to it', async () => {
    const { app, kit } = await startSimulator({ initialFaults: { cancelBroken: true } })
    assert.equal(kit.faults.current.cancelBroken, true)
    await app.inject({ method: 'POST', url: '/__sim/faults', payload: { cancelBroken: false, outage: true } })
    kit.operations.set('pay', { status: 502 })
    const cleared = await app.inject({ method: 'DELETE', url: '/__sim/faults' })
    assert.deepEqual(cleared.json(), { outage: false, latencyMs: 0, errorRate: 0, cancelBroken: true })
    assert.deepEqual(kit.operations.list(), [], 'DELETE /__sim/faults clears per-operation faults too')
  })

  test('an invalid initial state fails at build time, not at the first call', async () => {
    await assert.rejects(
      startSimulator({ initialFaults: { errorRate: 3 } }),
      (error: unknown) => error instanceof TypeError && /errorRate/.test(error.message),
    )
  })

  test('with control routes off only /__sim/health exists, and faults still work from code', async () => {
    const { app, kit } = await startSimulator({ controlRoutes: false })
    assert.equal((await app.inject({ url: '/__sim/health' })).statusCode, 200)
    for (const [method, url] of [
      ['GET', '/__sim/faults'],
      ['POST', '/__sim/faults'],
      ['GET', '/__sim/operations'],
      ['GET', '/__sim/requests'],
    ] as const) {
      assert.equal((await app.inject({ method, url, payload: method === 'POST' ? {} : undefined })).statusCode, 404)
    }
    kit.faults.set({ outage: true })
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 503)
  })

  test('kit.at is the same hook for work that is not a route (e.g. a webhook delivery)', async () => {
    const kit = createSimKit({ random: () => 0 })
    assert.deepEqual(await kit.at('deliver'), { action: 'pass' })
    kit.operations.script('deliver', [{ drop: true }, { status: 500 }])
    assert.deepEqual(await kit.at('deliver'), { action: 'drop', fault: 'drop' })
    assert.deepEqual(await kit.at('deliver'), { action: 'answer', status: 500, fault: 'status 500' })
    kit.faults.set({ errorRate: 0.1 })
    assert.deepEqual(await kit.at('deliver'), { action: 'answer', status: 500, fault: 'errorRate' })
    kit.faults.set({ errorRate: 0, outage: true })
    assert.deepEqual(await kit.at('deliver'), { action: 'answer', status: 503, fault: 'outage' })
  })
})
