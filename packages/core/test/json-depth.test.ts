import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApp, keepRawJsonBody, MAX_JSON_DEPTH } from '../src/http.ts'

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`

test('JSON nested past the limit is a 400 on every route, raw-body routes included, never a 500', async () => {
  const app = await createApp({ service: 'depth', version: '0.0.0', logLevel: 'silent' })
  // A route that walks the body back out: the serialiser recursed through 100 000 levels and overflowed the stack.
  app.post('/echo', async (request) => ({ body: request.body }))
  await app.register(async (scope) => {
    keepRawJsonBody(scope)
    scope.post('/raw', async (request) => ({ bytes: request.rawBody?.length }))
  })
  const send = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })

  for (const url of ['/echo', '/raw']) {
    const deep = await send(url, nested(100_000))
    assert.equal(deep.statusCode, 400, deep.body)
    assert.equal(deep.json().error.code, 'VALIDATION_FAILED')
    assert.equal(deep.json().error.details.max_depth, MAX_JSON_DEPTH)
    const objects = await send(url, `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`)
    assert.equal(objects.statusCode, 400, `objects ${url}`)
  }
  // At the limit, and with brackets inside strings (which do not nest), bodies are accepted as before.
  assert.equal((await send('/echo', nested(MAX_JSON_DEPTH))).statusCode, 200)
  const inString = await send('/echo', JSON.stringify({ text: '['.repeat(10_000), quote: 'a \\" [ b' }))
  assert.equal(inString.statusCode, 200, inString.body)
  assert.equal(inString.json().body.text.length, 10_000)
  await app.close()
})
