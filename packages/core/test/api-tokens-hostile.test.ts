import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { crc32 } from 'node:zlib'
import {
  apiTokenAdminRoutes,
  createApiTokenStore,
  isWellFormedApiToken,
  requireApiToken,
} from '../src/api-tokens/index.ts'
import type { Database } from '../src/db.ts'
import { createApp } from '../src/http.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { apiTokenScheme } from '../src/security-schemes.ts'
import { countingDatabase as counting, openTestDatabase } from '../src/testing/index.ts'

/** What an attacker can make: the checksum is public, so a well-formed token needs no secret. */
function forgedToken(): string {
  const head = `kk_live_${randomBytes(24).toString('base64url')}`
  const sum = Buffer.alloc(4)
  sum.writeUInt32BE(crc32(head))
  return `${head}${sum.toString('base64url')}`
}

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a flood of well-formed unknown tokens does not evict real tokens from the cache', async () => {
  const { db: counted, counter } = counting(db)
  const store = createApiTokenStore({ db: counted, cacheMaxEntries: 20 })
  const { token } = await store.create({ name: 'club', subject: 'service:club', scopes: ['a'] })
  assert.ok(await store.verify(token))
  for (let i = 0; i < 60; i++) {
    const forged = forgedToken()
    assert.ok(isWellFormedApiToken(forged))
    assert.equal(await store.verify(forged), undefined)
  }
  counter.queries = 0
  assert.ok(await store.verify(token))
  assert.equal(counter.queries, 0, 'the real client is still served from the cache')
})

test('the same unknown token repeated costs one read', async () => {
  const { db: counted, counter } = counting(db)
  const store = createApiTokenStore({ db: counted })
  const forged = forgedToken()
  counter.queries = 0
  for (let i = 0; i < 20; i++) assert.equal(await store.verify(forged), undefined)
  assert.equal(counter.queries, 1)
})

test('NUL bytes, huge and non-ASCII tokens are refused without a read', async () => {
  const { db: counted, counter } = counting(db)
  const store = createApiTokenStore({ db: counted })
  const token = forgedToken()
  counter.queries = 0
  for (const bad of [
    `${token}\0`,
    `\0${token.slice(1)}`,
    `${token.slice(0, -1)}é`,
    'k'.repeat(1_000_000),
    token.toUpperCase(),
  ]) {
    assert.equal(await store.verify(bad), undefined)
  }
  assert.equal(counter.queries, 0)
})

test('hostile input to the admin routes is 4xx with a stable code, never 500', async (t) => {
  const store = createApiTokenStore({ db })
  const admin = (await store.create({ name: 'admin', subject: 'operator:a', scopes: ['api-tokens:admin'] })).token
  const app = await createApp({
    service: 'demo',
    version: '0',
    logLevel: 'silent',
    securitySchemes: { apiToken: apiTokenScheme },
  })
  t.after(() => app.close())
  await app.register(apiTokenAdminRoutes, { store, authorize: requireApiToken(store, ['api-tokens:admin']) })
  const authorization = `Bearer ${admin}`
  const requests = [
    { method: 'GET' as const, url: '/api-tokens?subject=%00' },
    { method: 'GET' as const, url: '/api-tokens?subject=a%00b' },
    { method: 'GET' as const, url: '/api-tokens?after_id=-1' },
    { method: 'GET' as const, url: '/api-tokens?after_id=99999999999999999999' },
    { method: 'GET' as const, url: '/api-tokens?limit=0' },
    { method: 'GET' as const, url: '/api-tokens?limit=1000000' },
    { method: 'GET' as const, url: '/api-tokens?subject=a&subject=b' },
    { method: 'POST' as const, url: '/api-tokens/0/revoke' },
    { method: 'POST' as const, url: '/api-tokens/9007199254740993/revoke' },
    { method: 'POST' as const, url: '/api-tokens/1e3/revoke' },
    { method: 'POST' as const, url: '/api-tokens/999999/revoke' },
    { method: 'POST' as const, url: '/api-tokens', payload: { name: 'a\u0000b', subject: 's', scopes: ['a'] } },
    { method: 'POST' as const, url: '/api-tokens', payload: { name: 'n', subject: 's\u0000', scopes: ['a'] } },
    { method: 'POST' as const, url: '/api-tokens', payload: { name: 'n', subject: 's', scopes: ['A b'] } },
    {
      method: 'POST' as const,
      url: '/api-tokens',
      payload: { name: 'n', subject: 's', scopes: ['a'], expires_at: '2026-12-31T23:59:60Z' },
    },
    {
      method: 'POST' as const,
      url: '/api-tokens',
      payload: { name: 'n', subject: 's', scopes: ['a'], expires_at: '+275760-09-13T00:00:00Z' },
    },
    {
      method: 'POST' as const,
      url: '/api-tokens',
      payload: { name: 'n', subject: 's', scopes: ['a'], expires_at: '9999-12-31T23:59:59+99:99' },
    },
  ]
  for (const request of requests) {
    const response = await app.inject({ ...request, headers: { authorization } })
    const label = `${request.method} ${request.url} ${JSON.stringify(request.payload ?? '')}: ${response.body.slice(0, 200)}`
    assert.ok(response.statusCode < 500, label)
    if (response.statusCode >= 400) assert.equal(typeof response.json().error.code, 'string', label)
  }
})
