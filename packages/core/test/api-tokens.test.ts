import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  apiTokenAdminRoutes,
  createApiTokenStore,
  isWellFormedApiToken,
  requireApiToken,
} from '../src/api-tokens/index.ts'
import { sha256Hex } from '../src/auth.ts'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import type { AppError } from '../src/errors.ts'
import { createApp } from '../src/http.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { apiTokenScheme, basicAuthScheme } from '../src/security-schemes.ts'
import { countingDatabase as counting, openTestDatabase } from '../src/testing/index.ts'

describe('API tokens', () => {
  let db: Database
  before(async () => {
    db = await openTestDatabase(coreMigrationsDir)
  })
  after(() => db.close())

  test('a token is shown once, stored only as its SHA-256, and verifies to its record', async () => {
    const store = createApiTokenStore({ db, environment: 'test' })
    const { token, apiToken } = await store.create({
      name: 'club',
      subject: 'service:club',
      scopes: ['payments:write'],
    })
    assert.match(token, /^kk_test_[A-Za-z0-9_-]{38}$/)
    assert.ok(isWellFormedApiToken(token))
    assert.equal(apiToken.displayPrefix, token.slice(0, 12))
    const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM api_token WHERE id = $1', [apiToken.id])
    assert.equal(rows[0].token_hash, sha256Hex(token))
    assert.ok(!JSON.stringify(rows[0]).includes(token.slice(12)), 'the secret part is stored nowhere')
    const verified = await store.verify(token)
    assert.deepEqual(
      [verified?.id, verified?.subject, verified?.scopes],
      [apiToken.id, 'service:club', ['payments:write']],
    )
    assert.ok(verified?.lastUsedAt instanceof Date, 'the read records the use')
  })

  test('a longer token format (the payment center’s 64 characters) is made, checked and verified the same way', async () => {
    const store = createApiTokenStore({ db, tokenLength: 64 })
    const { token, apiToken } = await store.create({ name: 'byfly', subject: 'source:1', scopes: ['payments'] })
    assert.match(token, /^kk_live_[A-Za-z0-9_-]{56}$/)
    assert.ok(isWellFormedApiToken(token, 64))
    assert.equal(isWellFormedApiToken(token), false, 'a 64-character token is not a 46-character one')
    assert.equal((await store.verify(token))?.id, apiToken.id)
    assert.equal(await store.verify(token.slice(0, 46)), undefined)
    const short = await createApiTokenStore({ db }).create({ name: 'x', subject: 's', scopes: ['a'] })
    assert.equal(await store.verify(short.token), undefined, 'a store checks its own length')
    assert.throws(() => createApiTokenStore({ db, tokenLength: 40 }), RangeError)
  })

  test('requireApiToken reads a contract’s own header (X-API-Token) when told to', async () => {
    const store = createApiTokenStore({ db, tokenLength: 64 })
    const { token } = await store.create({ name: 'byfly', subject: 'source:2', scopes: ['payments'] })
    const app = await createApp({ service: 'test', version: '0', logLevel: 'silent' })
    app.get('/x', { onRequest: requireApiToken(store, ['payments'], { header: 'X-API-Token' }) }, async (request) => ({
      subject: request.apiToken?.subject,
    }))
    const ok = await app.inject({ url: '/x', headers: { 'x-api-token': token } })
    assert.deepEqual(ok.json(), { subject: 'source:2' })
    for (const headers of [
      {},
      { 'x-api-token': `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` },
      { authorization: `Bearer ${token}` },
    ]) {
      const refused = await app.inject({ url: '/x', headers })
      assert.equal(refused.statusCode, 401)
      assert.equal(refused.headers['www-authenticate'], undefined)
    }
    await app.close()
  })

  test('malformed tokens and tokens with a wrong checksum are refused without a database read', async () => {
    const { db: counted, counter } = counting(db)
    const store = createApiTokenStore({ db: counted })
    const { token } = await store.create({ name: 'x', subject: 's', scopes: ['a'] })
    counter.queries = 0
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`
    for (const bad of [flipped, `${token}x`, token.slice(0, -1), token.replace('kk_live_', 'kk_prod_'), '', 'Bearer']) {
      assert.equal(await store.verify(bad), undefined, bad)
    }
    assert.equal(counter.queries, 0)
  })

  test('20 concurrent requests with an uncached token cost one read; later ones hit the cache', async () => {
    const { db: counted, counter } = counting(db)
    const store = createApiTokenStore({ db: counted })
    const { token } = await store.create({ name: 'x', subject: 's', scopes: ['a'] })
    counter.queries = 0
    const results = await Promise.all(Array.from({ length: 20 }, () => store.verify(token)))
    assert.ok(results.every((result) => result?.subject === 's'))
    await store.verify(token)
    assert.equal(counter.queries, 1)
  })

  test('a revocation is seen at once by its process and by others once their cache entry expires', async () => {
    const clock = manualClock()
    const here = createApiTokenStore({ db, clock, cacheTtlMs: 30_000 })
    const elsewhere = createApiTokenStore({ db, clock, cacheTtlMs: 30_000 })
    const { token, apiToken } = await here.create({ name: 'x', subject: 's', scopes: ['a'] })
    assert.ok(await here.verify(token))
    assert.ok(await elsewhere.verify(token))
    const revoked = await here.revoke(apiToken.id)
    assert.ok(revoked.revokedAt instanceof Date)
    assert.equal(await here.verify(token), undefined)
    assert.ok(await elsewhere.verify(token), 'still cached in the other process')
    clock.advance(30_000)
    assert.equal(await elsewhere.verify(token), undefined)

    await assert.rejects(here.revoke(apiToken.id), (error: AppError) => error.code === 'API_TOKEN_NOT_ACTIVE')
    await assert.rejects(here.revoke(999_999), (error: AppError) => error.code === 'API_TOKEN_NOT_FOUND')
  })

  test('a token stops working at its expiry', async () => {
    const clock = manualClock()
    const store = createApiTokenStore({ db, clock })
    const expiresAt = new Date(clock.now().getTime() + 60_000)
    const { token, apiToken } = await store.create({ name: 'x', subject: 's', scopes: ['a'], expiresAt })
    assert.ok(await store.verify(token))
    clock.advance(60_000)
    assert.equal(await store.verify(token), undefined)
    await assert.rejects(store.revoke(apiToken.id), (error: AppError) => error.code === 'API_TOKEN_NOT_ACTIVE')
  })

  describe('over HTTP', () => {
    const clock = manualClock()
    let app: Awaited<ReturnType<typeof createApp>>
    let admin: string
    let reader: string
    before(async () => {
      const store = createApiTokenStore({ db, clock })
      admin = (await store.create({ name: 'admin', subject: 'operator:a', scopes: ['api-tokens:admin'] })).token
      reader = (await store.create({ name: 'reader', subject: 'service:club', scopes: ['payments:read'] })).token
      app = await createApp({
        service: 'demo',
        version: '0',
        logLevel: 'silent',
        securitySchemes: { apiToken: apiTokenScheme },
      })
      await app.register(apiTokenAdminRoutes, {
        store,
        clock,
        authorize: requireApiToken(store, ['api-tokens:admin']),
      })
      app.get(
        '/payments',
        { onRequest: requireApiToken(store, ['payments:read']), schema: { security: [{ apiToken: [] }] } },
        async (request) => ({ subject: request.apiToken?.subject }),
      )
    })
    after(() => app.close())

    const get = (url: string, token?: string) =>
      app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })

    test('no token, a bad token and a token without the scope are 401, 401 and 403 with Bearer challenges', async () => {
      const none = await get('/payments')
      assert.equal(none.statusCode, 401)
      assert.equal(none.json().error.code, 'UNAUTHORIZED')
      assert.equal(none.headers['www-authenticate'], 'Bearer')
      const bad = await get('/payments', `${reader.slice(0, -1)}${reader.endsWith('A') ? 'B' : 'A'}`)
      assert.equal(bad.statusCode, 401)
      assert.equal(bad.headers['www-authenticate'], 'Bearer error="invalid_token"')
      const basic = await app.inject({ method: 'GET', url: '/payments', headers: { authorization: 'Basic dTpw' } })
      assert.equal(basic.statusCode, 401)
      const scopeless = await get('/payments', admin)
      assert.equal(scopeless.statusCode, 403)
      assert.deepEqual(scopeless.json().error, {
        code: 'INSUFFICIENT_SCOPE',
        message: 'The API token lacks a scope this request needs',
        details: { required: ['payments:read'], missing: ['payments:read'] },
      })
      assert.match(String(scopeless.headers['www-authenticate']), /insufficient_scope/)
      const ok = await get('/payments', reader)
      assert.equal(ok.statusCode, 200)
      assert.deepEqual(ok.json(), { subject: 'service:club' })
    })

    test('an admin creates a token (secret once, not cached by proxies), lists tokens without secrets, revokes', async () => {
      assert.equal((await get('/api-tokens', reader)).statusCode, 403, 'admin routes need the admin scope')
      const created = await app.inject({
        method: 'POST',
        url: '/api-tokens',
        headers: { authorization: `Bearer ${admin}` },
        payload: { name: 'fiscal', subject: 'service:fiscal', scopes: ['payments:read'] },
      })
      assert.equal(created.statusCode, 201, created.body)
      assert.equal(created.headers['cache-control'], 'no-store')
      const { token, id, active, display_prefix: prefix } = created.json()
      assert.ok(active && token.startsWith(prefix))
      assert.equal((await get('/payments', token)).json().subject, 'service:fiscal')

      const listed = await get('/api-tokens?subject=service:fiscal', admin)
      assert.equal(listed.statusCode, 200)
      assert.deepEqual(
        listed.json().tokens.map((t: Record<string, unknown>) => [t.id, t.name, 'token' in t]),
        [[id, 'fiscal', false]],
      )
      assert.ok(!listed.body.includes(token.slice(12)))

      const revoked = await app.inject({
        method: 'POST',
        url: `/api-tokens/${id}/revoke`,
        headers: { authorization: `Bearer ${admin}` },
      })
      assert.equal(revoked.statusCode, 200)
      assert.equal(revoked.json().active, false)
      assert.equal((await get('/payments', token)).statusCode, 401)
      const again = await app.inject({
        method: 'POST',
        url: `/api-tokens/${id}/revoke`,
        headers: { authorization: `Bearer ${admin}` },
      })
      assert.deepEqual([again.statusCode, again.json().error.code], [409, 'API_TOKEN_NOT_ACTIVE'])
      const unknown = await app.inject({
        method: 'POST',
        url: '/api-tokens/987654/revoke',
        headers: { authorization: `Bearer ${admin}` },
      })
      assert.deepEqual([unknown.statusCode, unknown.json().error.code], [404, 'API_TOKEN_NOT_FOUND'])
    })

    test('hostile token requests are 400 with VALIDATION_FAILED', async () => {
      const headers = { authorization: `Bearer ${admin}` }
      const past = new Date(clock.now().getTime() - 1).toISOString()
      for (const payload of [
        { name: 'x', subject: 's', scopes: ['Payments:Read'] },
        { name: 'x', subject: 's', scopes: [] },
        { name: 'x', subject: 's', scopes: ['a', 'a'] },
        { name: '', subject: 's', scopes: ['a'] },
        { name: 'x', subject: 's', scopes: ['a'], admin: true },
        { name: 'x', subject: 's', scopes: ['a'], expires_at: past },
        { name: 'x', subject: 's', scopes: ['a'], expires_at: 'tomorrow' },
      ]) {
        const response = await app.inject({ method: 'POST', url: '/api-tokens', headers, payload })
        assert.equal(response.statusCode, 400, JSON.stringify(payload))
        assert.equal(response.json().error.code, 'VALIDATION_FAILED')
      }
      for (const url of ['/api-tokens/0/revoke', '/api-tokens/1e30/revoke', '/api-tokens/x/revoke']) {
        const response = await app.inject({ method: 'POST', url, headers })
        assert.equal(response.statusCode, 400, url)
      }
      assert.equal((await get('/api-tokens?limit=5000', admin)).statusCode, 400)
    })

    test('the OpenAPI document lists exactly the schemes the service passed', async () => {
      const document = app.swagger() as { components: { securitySchemes: unknown } }
      assert.deepEqual(document.components.securitySchemes, { apiToken: apiTokenScheme })
    })
  })
})

test('a route naming a security scheme the app was not given fails at start-up', async () => {
  const app = await createApp({
    service: 'demo',
    version: '0',
    logLevel: 'silent',
    securitySchemes: { basicAuth: basicAuthScheme },
  })
  app.get('/basic', { schema: { security: [{ basicAuth: [] }] } }, async () => ({}))
  assert.throws(
    () => app.get('/bearer', { schema: { security: [{ apiToken: [] }] } }, async () => ({})),
    /names the security scheme apiToken/,
  )
  await app.close()
})
