import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Database } from '../src/db.ts'
import { createApp } from '../src/http.ts'
import { coreMigrationsDir, createIdempotencyStore, idempotencyPlugin, requestFingerprint } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a deeply nested body is refused with VALIDATION_FAILED instead of overflowing the stack', () => {
  const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)
  assert.throws(() => requestFingerprint('POST /x', {}, {}, deep), { code: 'VALIDATION_FAILED' })
  const fine = JSON.parse(`${'['.repeat(60)}1${']'.repeat(60)}`)
  assert.match(requestFingerprint('POST /x', {}, {}, fine), /^[0-9a-f]{64}$/)
})

test('a route without a body schema answers a deeply nested body with 4xx, not 500', async (t) => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent', db })
  t.after(() => app.close())
  const store = createIdempotencyStore({ db })
  await app.register(async (scope) => {
    await scope.register(idempotencyPlugin, { store, scope: () => 'user:1' })
    scope.post('/loose', { config: { idempotency: true } }, async () => ({ ok: true }))
  })
  const response = await app.inject({
    method: 'POST',
    url: '/loose',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
    payload: `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  })
  assert.equal(response.statusCode, 400, response.body.slice(0, 200))
  assert.equal(response.json().error.code, 'VALIDATION_FAILED')
})
