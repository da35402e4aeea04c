import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { CircuitOpenError, createCircuitBreaker } from '../src/circuit-breaker.ts'
import { createApp, keepRawJsonBody } from '../src/http.ts'
import { createHttpTarget, type HttpTargetOptions, OutboundError, registerOutboundMetrics } from '../src/outbound.ts'
import { hmacSha256Hex, verifyHmacSha256Hex } from '../src/webhooks/hmac.ts'

interface Hit {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/** A real partner on a real socket; `hits` records what reached it, so tests can tell a refusal from a call. */
async function startPartner(t: TestContext, handler: (hit: Hit, response: ServerResponse) => void) {
  const hits: Hit[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      const hit = { method: request.method!, url: request.url!, headers: request.headers, body }
      hits.push(hit)
      handler(hit, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }
}

function target(t: TestContext, options: HttpTargetOptions) {
  const created = createHttpTarget({ retryDelayMs: 1, ...options })
  t.after(() => created.close())
  return created
}

function reply(response: ServerResponse, status: number, body = '') {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

test('a call reaches the partner with path prefix, query, JSON body and headers, and is counted by status', async (t) => {
  const partner = await startPartner(t, (hit, response) => reply(response, 201, JSON.stringify({ echoed: hit.body })))
  const provider = target(t, { name: 'provider', baseUrl: `${partner.url}/api/` })

  const result = await provider.call('create-order', {
    method: 'POST',
    path: '/orders',
    query: { event: 1, page: undefined, q: 'a b' },
    json: { seats: [1, 2] },
    headers: { Authorization: 'Bearer t' },
  })

  assert.equal(result.status, 201)
  assert.deepEqual(result.json(), { echoed: '{"seats":[1,2]}' })
  assert.equal(result.headers['content-type'], 'application/json')
  assert.equal(partner.hits[0].url, '/api/orders?event=1&q=a+b', 'undefined query values are left out')
  assert.equal(partner.hits[0].headers['content-type'], 'application/json')
  assert.equal(partner.hits[0].headers.authorization, 'Bearer t')

  const empty = await startPartner(t, (_hit, response) => reply(response, 409))
  const other = target(t, { name: 'other', baseUrl: empty.url })
  const conflict = await other.call('cancel', { method: 'DELETE', path: '/x' })
  assert.equal(conflict.json(), undefined, 'an empty body parses to undefined')
  await other.call('cancel', { method: 'DELETE', path: '/x' })

  assert.deepEqual(provider.stats(), { 'create-order': { '201': 1 } })
  assert.deepEqual(other.stats(), { cancel: { '409': 2 } })
})

test('form bodies are URL-encoded and a caller’s content type replaces the default', async (t) => {
  const partner = await startPartner(t, (_hit, response) => reply(response, 200))
  const gateway = target(t, { name: 'gateway', baseUrl: partner.url })
  await gateway.call('pay', { method: 'POST', path: '/pay', form: { amount: '100', note: 'a&b' } })
  await gateway.call('raw', { method: 'PUT', path: '/raw', json: 1, headers: { 'Content-Type': 'text/plain' } })
  assert.equal(partner.hits[0].body, 'amount=100&note=a%26b')
  assert.equal(partner.hits[0].headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(partner.hits[1].headers['content-type'], 'text/plain')
})

test('a partner that does not answer in time rejects with OutboundError timeout after about timeoutMs', async (t) => {
  const partner = await startPartner(t, () => {})
  const provider = target(t, { name: 'provider', baseUrl: partner.url, timeoutMs: 150 })

  const started = performance.now()
  await assert.rejects(provider.call('slow', { method: 'GET', path: '/slow' }), (error) => {
    assert.ok(error instanceof OutboundError)
    assert.equal(error.kind, 'timeout')
    assert.equal(error.target, 'provider')
    assert.equal(error.operation, 'slow')
    return true
  })
  const elapsed = performance.now() - started
  assert.ok(elapsed >= 140 && elapsed < 1_000, `took ${elapsed} ms`)
  assert.deepEqual(provider.stats(), { slow: { timeout: 1 } })
})

test('a refused connection rejects with OutboundError network', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const provider = target(t, { name: 'provider', baseUrl: `http://127.0.0.1:${port}`, retries: 0 })

  await assert.rejects(provider.call('ping', { method: 'GET', path: '/', idempotent: true }), { kind: 'network' })
  assert.deepEqual(provider.stats(), { ping: { network: 1 } })
})

test('an idempotent call is retried on 503 and timeouts until it succeeds; each attempt is counted', async (t) => {
  let calls = 0
  const partner = await startPartner(t, (_hit, response) => {
    calls++
    if (calls === 1) return reply(response, 503)
    if (calls === 2) return // no answer: a timeout
    reply(response, 200, '{"ok":true}')
  })
  const provider = target(t, { name: 'provider', baseUrl: partner.url, timeoutMs: 100, retries: 2 })

  const result = await provider.call('status', { method: 'GET', path: '/status', idempotent: true })
  assert.equal(result.status, 200)
  assert.equal(partner.hits.length, 3)
  assert.deepEqual(provider.stats(), { status: { '503': 1, timeout: 1, '200': 1 } })
})

test('retries are bounded: the last 503 is returned after 1 + retries attempts', async (t) => {
  const partner = await startPartner(t, (_hit, response) => reply(response, 503))
  const provider = target(t, { name: 'provider', baseUrl: partner.url, retries: 2 })
  const result = await provider.call('status', { method: 'GET', path: '/status', idempotent: true })
  assert.equal(result.status, 503)
  assert.equal(partner.hits.length, 3)
})

test('a call not marked idempotent is never retried, whatever the failure', async (t) => {
  const failing = await startPartner(t, (_hit, response) => reply(response, 503))
  const provider = target(t, { name: 'provider', baseUrl: failing.url, retries: 3 })
  const result = await provider.call('pay', { method: 'POST', path: '/pay', json: { amount: 1 } })
  assert.equal(result.status, 503)
  assert.equal(failing.hits.length, 1)

  const silent = await startPartner(t, () => {})
  const slow = target(t, { name: 'slow', baseUrl: silent.url, retries: 3, timeoutMs: 50 })
  await assert.rejects(slow.call('pay', { method: 'POST', path: '/pay' }), { kind: 'timeout' })
  assert.equal(silent.hits.length, 1)
})

test('4xx answers are not retried and do not count as breaker failures', async (t) => {
  const partner = await startPartner(t, (_hit, response) => reply(response, 404))
  const provider = target(t, { name: 'provider', baseUrl: partner.url, breaker: { failureThreshold: 2 } })
  for (let i = 0; i < 5; i++) {
    const result = await provider.call('get', { method: 'GET', path: '/missing', idempotent: true })
    assert.equal(result.status, 404)
  }
  assert.equal(partner.hits.length, 5)
  assert.equal(provider.breakerState(), 'closed')
})

test('the breaker opens after N consecutive failures and then refuses at once without calling the partner', async (t) => {
  const partner = await startPartner(t, (_hit, response) => reply(response, 503))
  const provider = target(t, {
    name: 'provider',
    baseUrl: partner.url,
    breaker: { failureThreshold: 3, resetTimeoutMs: 60_000 },
  })
  for (let i = 0; i < 3; i++) await provider.call('pay', { method: 'POST', path: '/pay' })
  assert.equal(provider.breakerState(), 'open')

  await assert.rejects(provider.call('pay', { method: 'POST', path: '/pay' }), (error) => {
    assert.ok(error instanceof OutboundError)
    assert.equal(error.kind, 'circuit-open')
    return true
  })
  await assert.rejects(provider.call('status', { method: 'GET', path: '/s', idempotent: true }), {
    kind: 'circuit-open',
  })
  assert.equal(partner.hits.length, 3, 'the partner saw none of the refused calls')
  assert.deepEqual(
    provider.stats(),
    { pay: { '503': 3, 'circuit-open': 1 }, status: { 'circuit-open': 1 } },
    'an idempotent call is not retried into an open circuit',
  )
})

test('after resetTimeoutMs one probe goes through: a failure re-opens, a success closes', async (t) => {
  let healthy = false
  const partner = await startPartner(t, (_hit, response) => reply(response, healthy ? 200 : 503))
  let now = 1_000_000
  const provider = target(t, {
    name: 'provider',
    baseUrl: partner.url,
    breaker: { failureThreshold: 2, resetTimeoutMs: 2_000, now: () => now },
  })
  await provider.call('pay', { method: 'POST', path: '/pay' })
  await provider.call('pay', { method: 'POST', path: '/pay' })
  assert.equal(provider.breakerState(), 'open')

  now += 1_999
  await assert.rejects(provider.call('pay', { method: 'POST', path: '/pay' }), { kind: 'circuit-open' })
  now += 1
  assert.equal(provider.breakerState(), 'half-open')
  assert.equal((await provider.call('pay', { method: 'POST', path: '/pay' })).status, 503, 'the failed probe')
  assert.equal(provider.breakerState(), 'open', 'one failed probe re-opens at once')
  assert.equal(partner.hits.length, 3)

  now += 2_000
  healthy = true
  assert.equal((await provider.call('pay', { method: 'POST', path: '/pay' })).status, 200)
  assert.equal(provider.breakerState(), 'closed')
  assert.equal((await provider.call('pay', { method: 'POST', path: '/pay' })).status, 200)
  assert.equal(partner.hits.length, 5)
})

test('a breaker counts only consecutive failures and lets a single probe through when half-open', async () => {
  let now = 0
  const breaker = createCircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 100, now: () => now })
  const fail = () => Promise.reject(new Error('down'))
  const succeed = () => Promise.resolve('up')
  for (const fn of [fail, fail, succeed, fail, fail]) await breaker.run(fn).catch(() => {})
  assert.equal(breaker.state(), 'closed', 'a success in between resets the count')
  assert.equal(
    await breaker.run(
      () => Promise.resolve(503),
      (status) => status === 503,
    ),
    503,
  )
  assert.equal(breaker.state(), 'open', 'a result flagged as failure counts, and is still returned')
  await assert.rejects(breaker.run(succeed), CircuitOpenError)

  now = 100
  let release: (value: string) => void = () => {}
  const probe = breaker.run(() => new Promise<string>((resolve) => (release = resolve)))
  await assert.rejects(breaker.run(succeed), CircuitOpenError, 'a second call waits for the probe’s verdict')
  release('up')
  assert.equal(await probe, 'up')
  assert.equal(breaker.state(), 'closed')
})

test('outbound metrics expose attempts by outcome and the breaker state on the app’s registry', async (t) => {
  const partner = await startPartner(t, (_hit, response) => reply(response, 503))
  let now = 0
  const provider = target(t, {
    name: 'provider',
    baseUrl: partner.url,
    breaker: { failureThreshold: 1, resetTimeoutMs: 1_000, now: () => now },
  })
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  t.after(() => app.close())
  registerOutboundMetrics(app.metricsRegistry, [provider])

  let metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /circuit_breaker_open\{target="provider",service="demo"\} 0/)
  await provider.call('pay', { method: 'POST', path: '/pay' })
  await provider.call('pay', { method: 'POST', path: '/pay' }).catch(() => {})
  await provider.call('pay', { method: 'POST', path: '/pay' }).catch(() => {})
  metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /# TYPE outbound_requests_total counter/)
  assert.match(metrics, /outbound_requests_total\{target="provider",operation="pay",outcome="503",service="demo"\} 1/)
  assert.match(
    metrics,
    /outbound_requests_total\{target="provider",operation="pay",outcome="circuit-open",service="demo"\} 2/,
  )
  assert.match(metrics, /circuit_breaker_open\{target="provider",service="demo"\} 1/)

  now += 1_000
  metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /outbound_requests_total\{target="provider",operation="pay",outcome="503",service="demo"\} 1/)
  assert.match(metrics, /circuit_breaker_open\{target="provider",service="demo"\} 1/, 'half-open is not yet closed')
})

test('HMAC-SHA256 matches RFC 4231 test case 2 and verification is strict', () => {
  const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
  assert.equal(hmacSha256Hex('Jefe', 'what do ya want for nothing?'), expected)
  const bytes = new TextEncoder().encode('what do ya want for nothing?')
  assert.equal(hmacSha256Hex('Jefe', bytes), expected, 'bytes and text sign the same')
  const unicode = 'Сәлем, әлем'
  assert.equal(hmacSha256Hex('k', unicode), createHmac('sha256', 'k').update(Buffer.from(unicode)).digest('hex'))

  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', expected), true)
  assert.equal(verifyHmacSha256Hex('Jefe', bytes, expected.toUpperCase()), true, 'hex case does not matter')
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing!', expected), false, 'other data')
  assert.equal(verifyHmacSha256Hex('jefe', 'what do ya want for nothing?', expected), false, 'other secret')
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', `${expected.slice(0, -1)}4`), false)
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', expected.slice(0, -2)), false, 'short')
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', `${expected}00`), false, 'long')
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', `${expected.slice(0, -1)}g`), false)
  assert.equal(verifyHmacSha256Hex('Jefe', 'what do ya want for nothing?', ''), false)
})

test('keepRawJsonBody gives a plugin’s routes the exact body bytes; invalid JSON is a 400', async (t) => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  t.after(() => app.close())
  await app.register(async (webhooks) => {
    keepRawJsonBody(webhooks)
    webhooks.post('/hook', async (request) => ({ raw: request.rawBody?.toString('base64'), body: request.body }))
  })
  app.post('/plain', async (request) => ({ hasRaw: request.rawBody !== undefined, body: request.body }))

  const payload = Buffer.from('{ "id" :7,\n  "name":"Әлем", "n": 1.50 }')
  const hook = await app.inject({
    method: 'POST',
    url: '/hook',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    payload,
  })
  assert.equal(hook.statusCode, 200)
  assert.equal(Buffer.from(hook.json().raw, 'base64').equals(payload), true, 'the bytes as sent, spacing and all')
  assert.deepEqual(hook.json().body, { id: 7, name: 'Әлем', n: 1.5 })

  const invalid = await app.inject({
    method: 'POST',
    url: '/hook',
    headers: { 'content-type': 'application/json' },
    payload: '{"id":',
  })
  assert.equal(invalid.statusCode, 400)
  assert.equal(invalid.json().error.code, 'VALIDATION_FAILED')

  const poisoned = await app.inject({
    method: 'POST',
    url: '/hook',
    headers: { 'content-type': 'application/json' },
    payload: '{"__proto__":{"admin":true}}',
  })
  assert.equal(poisoned.statusCode, 400, 'prototype poisoning is refused as in the app’s own parser')

  const empty = await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' } })
  assert.equal(empty.statusCode, 200)
  assert.deepEqual(empty.json(), { raw: '' }, 'an empty body is no body, with empty raw bytes')

  const plain = await app.inject({ method: 'POST', url: '/plain', payload: { a: 1 } })
  assert.deepEqual(plain.json(), { hasRaw: false, body: { a: 1 } }, 'routes outside the plugin keep no raw copy')
})
