import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { crc32 } from 'node:zlib'
import { createApiTokenStore, isWellFormedApiToken } from '../src/api-tokens/index.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

/** The database with every statement counted, so tests can tell a cache hit from a read. */
function counting(db: Database) {
  const counter = { queries: 0 }
  const query = db.query.bind(db)
  const counted = Object.assign(Object.create(db) as Database, {
    query: ((sql: string, params?: unknown[]) => {
      counter.queries++
      return query(sql, params)
    }) as Database['query'],
  })
  return { db: counted, counter }
}

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
