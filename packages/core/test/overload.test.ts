import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { test } from 'node:test'
import type { Database, QueryResult } from '../src/db.ts'
import { createApp } from '../src/http.ts'

/**
 * A database with a pool of `size` connections and a queue, like pg's: `SELECT hold` keeps its connection until
 * `releaseHeld()` (and from then on returns at once), so a test can saturate the pool and see exactly how many queries wait.
 */
function fakePool(size: number) {
  let busy = 0
  const waiters: (() => void)[] = []
  const held: (() => void)[] = []
  let released = false
  const acquire = async () => {
    if (busy < size) busy += 1
    else await new Promise<void>((resolve) => waiters.push(resolve))
  }
  const release = () => {
    const next = waiters.shift()
    if (next) next()
    else busy -= 1
  }
  const db = {
    kind: 'postgres',
    async query<R>(sql: string): Promise<QueryResult<R>> {
      await acquire()
      try {
        if (sql === 'SELECT hold' && !released) await new Promise<void>((resolve) => held.push(resolve))
        return { rows: [], rowCount: 0 }
      } finally {
        release()
      }
    },
    poolStats: () => ({ total: size, idle: size - busy, waiting: waiters.length }),
    close: async () => {},
  } as unknown as Database
  const releaseHeld = () => {
    released = true
    for (const resolve of held.splice(0)) resolve()
  }
  return { db, releaseHeld }
}

async function until(condition: () => boolean) {
  const deadline = Date.now() + 5_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A GET that must answer within 1 s: a refusal that queued would hang behind the held connections instead. */
async function quickGet(base: string, path: string) {
  const started = performance.now()
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(1_000) })
  const text = await response.text()
  return { response, text, ms: performance.now() - started }
}

test('with the database pool saturated, new requests get a fast 503 OVERLOADED and /health and /metrics answer at once', async () => {
  const pool = fakePool(2)
  const app = await createApp({
    service: 'demo',
    version: '0.0.0',
    logLevel: 'silent',
    db: pool.db,
    overload: { maxPoolWaiting: 3 },
  })
  let handled = 0
  app.get('/hold', async () => {
    handled += 1
    await pool.db.query('SELECT hold')
    return { ok: true }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  try {
    assert.deepEqual(JSON.parse((await quickGet(base, '/health')).text), { status: 'ok', database: 'ok' })

    // Two requests hold both connections and four queue behind them: more than the three allowed to wait.
    const holding = Array.from({ length: 6 }, () => fetch(`${base}/hold`))
    await until(() => pool.db.poolStats().waiting === 4)

    for (let i = 0; i < 5; i++) {
      const { response, text, ms } = await quickGet(base, '/hold')
      assert.equal(response.status, 503)
      assert.equal(response.headers.get('retry-after'), '1')
      assert.deepEqual(JSON.parse(text), {
        error: { code: 'OVERLOADED', message: 'The service is overloaded; retry later' },
      })
      assert.ok(ms < 500, `refused in ${ms} ms`)
    }
    assert.equal(handled, 6, 'refused requests never reached the handler')

    // /health does not wait behind the queue: it answers from its last probe while a new one queues.
    for (let i = 0; i < 3; i++) {
      const health = await quickGet(base, '/health')
      assert.equal(health.response.status, 200)
      assert.deepEqual(JSON.parse(health.text), { status: 'ok', database: 'ok' })
    }
    const metrics = await quickGet(base, '/metrics')
    assert.equal(metrics.response.status, 200)
    assert.match(metrics.text, /http_errors_total\{code="OVERLOADED",service="demo"\} 5/)
    // While shedding, /metrics is served outside the count.
    assert.match(metrics.text, /http_requests_in_flight\{service="demo"\} 6/)
    assert.match(metrics.text, /db_pool_connections\{state="waiting",service="demo"\} 5/, 'four requests and the probe')

    pool.releaseHeld()
    for (const response of await Promise.all(holding)) assert.equal(response.status, 200)
    await until(() => pool.db.poolStats().waiting === 0)
    const after = await quickGet(base, '/hold')
    assert.equal(after.response.status, 200, 'admitted again once the queue drained')
  } finally {
    pool.releaseHeld()
    await app.close()
  }
})

test('past maxInFlight requests get 503 OVERLOADED, and clients that hang up do not keep their slot', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent', overload: { maxInFlight: 2 } })
  const gates: (() => void)[] = []
  app.get('/slow', () => new Promise((resolve) => gates.push(() => resolve({ ok: true }))))
  app.get('/fast', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  try {
    const sockets = Array.from({ length: 2 }, () => {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {})
      socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
      return socket
    })
    await until(() => gates.length === 2)

    const refused = await quickGet(base, '/fast')
    assert.equal(refused.response.status, 503)
    assert.equal(JSON.parse(refused.text).error.code, 'OVERLOADED')
    assert.equal((await quickGet(base, '/health')).response.status, 200, '/health is never refused')
    assert.equal((await quickGet(base, '/metrics')).response.status, 200, '/metrics is never refused')

    // Both clients give up; their handlers still run, but a slot counts a client waiting for an answer.
    for (const socket of sockets) socket.destroy()
    await until(() => sockets.every((socket) => socket.closed))
    let admitted = 0
    for (let i = 0; i < 20 && admitted === 0; i++) {
      if ((await quickGet(base, '/fast')).response.status === 200) admitted += 1
      else await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.equal(admitted, 1, 'the slots of hung-up clients are free again')
    for (const open of gates) open()
  } finally {
    for (const open of gates) open()
    await app.close()
  }
})

test('a request that arrives while the app closes gets 503 UNAVAILABLE in the error envelope', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  const gates: (() => void)[] = []
  app.get('/slow', () => new Promise((resolve) => gates.push(() => resolve({ ok: true }))))
  app.get('/fast', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (chunk) => {
    received += chunk.toString()
  })
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
  await until(() => gates.length === 1)
  // The busy connection stays open while the app closes; a request sent on it now arrives during close.
  const closed = app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n')
  await new Promise((resolve) => setTimeout(resolve, 50))
  gates[0]()
  await until(() => received.includes('"UNAVAILABLE"'))
  const second = received.slice(received.indexOf('HTTP/1.1', 10))
  assert.match(second, /^HTTP\/1\.1 503 /)
  assert.match(second, /\r\nconnection: close\r\n/i)
  assert.match(second, /\{"error":\{"code":"UNAVAILABLE","message":"Temporarily unavailable"\}\}/)
  socket.destroy()
  await closed
})
