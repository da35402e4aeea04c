import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import { AppError } from '../src/errors.ts'
import { createApp } from '../src/http.ts'
import { Id } from '../src/schemas.ts'

async function demoApp() {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  app.get(
    '/items',
    { schema: { querystring: Type.Object({ id: Id(), day: Type.Optional(Type.String({ format: 'date' })) }) } },
    async (request) => ({
      id: request.query.id,
    }),
  )
  app.post(
    '/items',
    { schema: { body: Type.Object({ id: Id(), name: Type.Optional(Type.String()) }) } },
    async (request) => ({
      id: request.body.id,
    }),
  )
  app.get('/down', async () => {
    throw new AppError('UNAVAILABLE', undefined, { reason: 'ТөлеуБар init: HTTP 500' })
  })
  return app
}

test('ids beyond 2^53 − 1, non-finite or fractional are a 400 in query strings and bodies, never rounded', async () => {
  const app = await demoApp()
  for (const value of ['1e20', '9223372036854775807', 'Infinity', '-Infinity', 'NaN', '9007199254740993', '1.5', '0']) {
    const query = await app.inject({ url: `/items?id=${value}` })
    assert.equal(query.statusCode, 400, `?id=${value}`)
    assert.equal(query.json().error.code, 'VALIDATION_FAILED')
  }
  for (const value of ['1e20', '9223372036854775807', '9007199254740993', '1.5', '0', '-1']) {
    const body = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: `{"id":${value}}`,
    })
    assert.equal(body.statusCode, 400, `{"id":${value}}`)
  }
  assert.equal((await app.inject({ url: `/items?id=${Number.MAX_SAFE_INTEGER}` })).json().id, Number.MAX_SAFE_INTEGER)
  await app.close()
})

test('JSON bodies are not coerced: a string, a boolean or a hex text is not an id', async () => {
  const app = await demoApp()
  for (const value of ['"1"', '" 1"', '"0x10"', 'true', 'null', '[1]']) {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: `{"id":${value}}`,
    })
    assert.equal(response.statusCode, 400, `{"id":${value}}`)
  }
  const ok = await app.inject({ method: 'POST', url: '/items', payload: { id: 7 } })
  assert.deepEqual(ok.json(), { id: 7 })
  assert.equal((await app.inject({ url: '/items?id=7' })).json().id, 7, 'query strings are still coerced')
  await app.close()
})

test('NUL bytes in query strings and JSON bodies, and year 0, are a 400', async () => {
  const app = await demoApp()
  const query = await app.inject({ url: '/items?id=1&day=%00' })
  assert.equal(query.statusCode, 400)
  assert.equal(query.json().error.code, 'VALIDATION_FAILED')
  const body = await app.inject({
    method: 'POST',
    url: '/items',
    headers: { 'content-type': 'application/json' },
    payload: '{"id":1,"name":"a\\u0000b"}',
  })
  assert.equal(body.statusCode, 400)
  for (const day of ['0000-01-01', '2024-02-30', '2023-02-29', '2024-13-01', '2024-1-01']) {
    assert.equal((await app.inject({ url: `/items?id=1&day=${day}` })).statusCode, 400, day)
  }
  assert.equal((await app.inject({ url: '/items?id=1&day=2024-02-29' })).statusCode, 200)
  await app.close()
})

test('a 5xx body carries no details; the reason stays in the log', async () => {
  const app = await demoApp()
  const response = await app.inject({ url: '/down' })
  assert.equal(response.statusCode, 503)
  assert.deepEqual(response.json(), { error: { code: 'UNAVAILABLE', message: 'Temporarily unavailable' } })
  await app.close()
})

test('an error that ends says when: retryAfterMs becomes a Retry-After header in whole seconds', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  app.get('/busy', async () => {
    throw new AppError('UNAVAILABLE', undefined, undefined, { retryAfterMs: 1_500 })
  })
  const response = await app.inject({ url: '/busy' })
  assert.equal(response.statusCode, 503)
  assert.equal(response.headers['retry-after'], '2')
  await app.close()
})
