import assert from 'node:assert/strict'
import { request } from 'node:http'
import { describe, test } from 'node:test'
import { listen, startSimulator } from './helpers.ts'

describe('per-operation faults and scripts', () => {
  test('a standing fault hits only its operation, until it is cleared', async () => {
    const { app } = await startSimulator()
    const set = await app.inject({ method: 'PUT', url: '/__sim/operations/pay', payload: { status: 502 } })
    assert.deepEqual(set.json(), { operation: 'pay', fault: { status: 502 }, scripted: [] })
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 502)
    assert.equal((await app.inject({ url: '/items/7' })).statusCode, 200, 'other operations are untouched')

    await app.inject({ method: 'DELETE', url: '/__sim/operations/pay' })
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
  })

  test('a script decides the next N calls in order, then the standing fault (or nothing) applies again', async () => {
    const { app, paid } = await startSimulator()
    const scripted = await app.inject({
      method: 'POST',
      url: '/__sim/operations/pay/script',
      payload: { outcomes: [{ status: 500 }, {}, { status: 429 }] },
    })
    assert.equal(scripted.statusCode, 200)
    assert.equal(scripted.json().scripted.length, 3)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'POST', url: '/pay' })).statusCode)
    assert.deepEqual(statuses, [500, 200, 429, 200])
    assert.equal(paid(), 2, 'only the calls the script let through reached the handler')
  })

  test('a scripted outcome comes before the standing fault of the same operation', async () => {
    const { app, kit } = await startSimulator()
    kit.operations.set('pay', { status: 503 })
    kit.operations.script('pay', [{}])
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 503)
  })

  test('routes without a name are operations named by method and url', async () => {
    const { app } = await startSimulator()
    const listed = (await app.inject({ url: '/__sim/operations' }))
      .json()
      .operations.map((state: { operation: string }) => state.operation)
    assert.deepEqual(listed, ['GET /items/:id', 'pay'])
    const url = `/__sim/operations/${encodeURIComponent('GET /items/:id')}`
    assert.equal((await app.inject({ method: 'PUT', url, payload: { status: 404 } })).statusCode, 200)
    assert.equal((await app.inject({ url: '/items/1' })).statusCode, 404)
  })

  test('per-operation latency adds to the call', async () => {
    const { app, kit } = await startSimulator()
    kit.operations.set('pay', { latencyMs: 60 })
    const started = performance.now()
    assert.equal((await app.inject({ method: 'POST', url: '/pay' })).statusCode, 200)
    assert.ok(performance.now() - started >= 55)
  })

  test('unknown operations are a 404 and invalid faults or scripts a 400, changing nothing', async () => {
    const { app, kit } = await startSimulator()
    const unknown = await app.inject({ method: 'PUT', url: '/__sim/operations/pya', payload: { status: 500 } })
    assert.equal(unknown.statusCode, 404)
    assert.equal(unknown.json().error.code, 'UNKNOWN_OPERATION')
    assert.match(unknown.json().error.message, /pay/, 'the answer lists the known operations')
    for (const payload of [{ status: 200 }, { status: 500, retry: true }, { drop: 'yes' }, { latencyMs: -5 }]) {
      const response = await app.inject({ method: 'PUT', url: '/__sim/operations/pay', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      assert.equal(response.json().error.code, 'INVALID_FAULT')
    }
    for (const payload of [{}, { outcomes: [] }, { outcomes: [{ status: 99 }] }, { outcomes: {} }]) {
      const response = await app.inject({ method: 'POST', url: '/__sim/operations/pay/script', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      assert.equal(response.json().error.code, 'INVALID_SCRIPT')
    }
    assert.deepEqual(kit.operations.list(), [])
  })

  test('drop closes the connection without an answer', async () => {
    const { app, kit } = await startSimulator()
    const base = await listen(app)
    try {
      kit.operations.script('pay', [{ drop: true }])
      await assert.rejects(fetch(`${base}/pay`, { method: 'POST' }), TypeError)
      assert.equal((await fetch(`${base}/pay`, { method: 'POST' })).status, 200, 'the next call is answered')
      const [dropped] = kit.requests.list({ operation: 'pay' })
      assert.equal(dropped.status, 0)
      assert.equal(dropped.fault, 'drop')
    } finally {
      await app.close()
    }
  })

  test('timeout holds the request until the client gives up, and closing the simulator ends held requests', async () => {
    const { app, kit } = await startSimulator()
    const base = await listen(app)
    kit.operations.set('pay', { timeout: true })
    const started = performance.now()
    const gaveUp = await post(`${base}/pay`, 150)
    assert.equal((gaveUp as Error).message, 'client timeout')
    assert.ok(performance.now() - started >= 140)

    const held = post(`${base}/pay`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = performance.now()
    await app.close()
    assert.ok(performance.now() - closing < 1000, 'a held request does not keep the simulator from closing')
    assert.equal(((await held) as NodeJS.ErrnoException).code, 'ECONNRESET', 'the held call ended without an answer')
    const logged = kit.requests.list({ operation: 'pay' })
    assert.equal(logged.length, 2)
    assert.ok(logged.every((entry) => entry.status === 0 && entry.fault === 'timeout'))
  })
})

/**
 * A POST on its own connection (no pool keeping spare sockets open); resolves with 'answered' or the error that
 * ended it, giving up after `timeoutMs` when given.
 */
function post(url: string, timeoutMs?: number): Promise<string | Error> {
  return new Promise((resolve) => {
    const call = request(url, { method: 'POST', agent: false }, (response) => {
      response.resume()
      response.on('end', () => resolve('answered'))
    })
    call.on('error', resolve)
    if (timeoutMs !== undefined) call.setTimeout(timeoutMs, () => call.destroy(new Error('client timeout')))
    call.end()
  })
}
