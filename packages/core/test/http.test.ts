import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { Type } from 'typebox'
import { AppError } from '../src/errors.ts'
import { createApp } from '../src/http.ts'

test('errors map to their status and the JSON error body; 5xx never leak internals', async () => {
  const app = await createApp({
    service: 'demo',
    version: '0.0.0',
    logLevel: 'silent',
    errors: { SEAT_NOT_FREE: { status: 419, message: 'The seat is not free' } },
  })
  app.get('/conflict', async () => {
    throw new AppError('SEAT_NOT_FREE', undefined, { seat_id: 7 })
  })
  app.get('/worded', async () => {
    throw new AppError('SEAT_NOT_FREE', 'Seat 7 was just taken')
  })
  app.get('/crash', async () => {
    throw new Error('password=hunter2 in a stack trace')
  })
  app.post('/typed', { schema: { body: Type.Object({ n: Type.Integer() }) } }, async () => ({ ok: true }))

  const conflict = await app.inject({ method: 'GET', url: '/conflict' })
  assert.equal(conflict.statusCode, 419)
  assert.deepEqual(conflict.json(), {
    error: { code: 'SEAT_NOT_FREE', message: 'The seat is not free', details: { seat_id: 7 } },
  })

  const worded = await app.inject({ method: 'GET', url: '/worded' })
  assert.equal(worded.json().error.message, 'Seat 7 was just taken', 'the thrower’s own wording wins')

  const crash = await app.inject({ method: 'GET', url: '/crash' })
  assert.equal(crash.statusCode, 500)
  assert.deepEqual(crash.json(), { error: { code: 'INTERNAL', message: 'Internal error' } })

  const invalid = await app.inject({ method: 'POST', url: '/typed', payload: { n: 'x' } })
  assert.equal(invalid.statusCode, 400)
  assert.equal(invalid.json().error.code, 'VALIDATION_FAILED')

  const empty = await app.inject({ method: 'POST', url: '/typed', headers: { 'content-type': 'application/json' } })
  assert.equal(empty.statusCode, 400, 'an empty JSON body is no body, which the schema refuses')

  const broken = await app.inject({
    method: 'POST',
    url: '/typed',
    headers: { 'content-type': 'application/json' },
    payload: '{"n":',
  })
  assert.equal(broken.statusCode, 400)

  const health = await app.inject({ method: 'GET', url: '/health' })
  assert.deepEqual(health.json(), { status: 'ok' })
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  assert.match(metrics.body, /http_errors_total\{code="SEAT_NOT_FREE",service="demo"\} 2/)
  await app.close()
})

test('every answer is counted by method, route and status; requests no route matched as "unmatched"', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  app.get('/items/:id', async () => ({ ok: true }))
  await app.inject({ method: 'GET', url: '/items/1' })
  await app.inject({ method: 'GET', url: '/items/2' })
  await app.inject({ method: 'GET', url: '/nowhere' })
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /http_requests_total\{method="GET",route="\/items\/:id",status="200",service="demo"\} 2/)
  assert.match(metrics, /http_requests_total\{method="GET",route="unmatched",status="404",service="demo"\} 1/)
  assert.match(metrics, /http_request_duration_seconds_count\{service="demo",method="GET",route="\/items\/:id"\} 2/)
  await app.close()
})

test('a body with a Content-Encoding other than identity is refused 415 before it is read, not parsed as JSON', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  let handled = 0
  app.post('/items', async () => ({ handled: ++handled }))
  app.get('/items', async () => ({ ok: true }))
  const json = '{"n":1}'
  const post = (contentEncoding: string, payload: Buffer | string) =>
    app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json', 'content-encoding': contentEncoding },
      payload,
    })
  for (const [coding, payload] of [
    ['gzip', gzipSync(json)],
    ['gzip', 'not gzip at all'],
    ['GZIP', json],
    ['deflate', json],
    ['br', json],
    ['x-custom', json],
    ['identity, gzip', gzipSync(json)],
  ] as const) {
    const answer = await post(coding, payload)
    assert.equal(answer.statusCode, 415, coding)
    assert.equal(answer.json().error.code, 'UNSUPPORTED_MEDIA_TYPE', coding)
    assert.equal(answer.headers['accept-encoding'], 'identity', coding)
  }
  assert.equal(handled, 0)
  assert.equal((await post('identity', json)).statusCode, 200)
  // A body-less request's Content-Encoding describes nothing: it is not refused.
  const get = await app.inject({ method: 'GET', url: '/items', headers: { 'content-encoding': 'gzip' } })
  assert.equal(get.statusCode, 200)
  await app.close()
})
