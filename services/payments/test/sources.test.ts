import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sha256Hex } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireAdminToken } from '../src/admin.ts'
import { PaymentsError } from '../src/errors.ts'
import { ADMIN_TOKEN, client, type StartedPayments, startPayments } from './harness.ts'

describe('sources and their X-API-Tokens', () => {
  let t: StartedPayments
  const admin = (method: 'GET' | 'POST', url: string, body?: object, token = ADMIN_TOKEN) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) })

  before(async () => {
    t = await startPayments()
  })
  after(() => t.close())

  test('the admin creates a 64-character token, shown once and stored as a hash; it creates payments', async () => {
    const created = await admin('POST', '/api/admin/sources/tokens', { source: 'byfly' })
    assert.equal(created.statusCode, 201)
    assert.equal(created.headers['cache-control'], 'no-store')
    const { token } = created.json().data
    assert.equal(token.length, 64)
    const { rows } = await t.db.query<Record<string, unknown>>('SELECT * FROM api_token')
    assert.ok(rows.some((row) => row.token_hash === sha256Hex(token)))
    assert.ok(!JSON.stringify(rows).includes(token.slice(12)), 'the secret is stored nowhere')
    assert.equal((await client(t, token).init({ amount: 100 })).status, 201)
    const listed = await admin('GET', '/api/admin/sources')
    assert.equal(listed.statusCode, 200)
    assert.ok(!listed.body.includes(token.slice(12)))
    assert.equal(listed.json().data[0].name, 'byfly')
  })

  test('rotation issues a new token and revokes the old one at once; revoke stops the new one', async () => {
    const first = (await admin('POST', '/api/admin/sources/tokens', { source: 'club' })).json().data.token
    const rotated = await admin('POST', '/api/admin/sources/club/rotate')
    assert.equal(rotated.statusCode, 200)
    const second = rotated.json().data.token
    assert.equal(rotated.json().data.revoked, 1)
    assert.equal((await client(t, first).init({ amount: 100 })).status, 401)
    assert.equal((await client(t, second).init({ amount: 100 })).status, 201)
    const revoked = await admin('POST', '/api/admin/sources/club/revoke')
    assert.equal(revoked.json().data.revoked, 1)
    const refused = await client(t, second).init({ amount: 100 })
    assert.deepEqual(
      [refused.status, refused.body.success, refused.body.message, refused.body.error_code, refused.body.code],
      [401, false, 'Invalid API token', 401, 'UNAUTHORIZED'],
    )
  })

  test('admin endpoints refuse a missing or wrong admin token, unknown sources and bad names', async () => {
    for (const token of ['', 'x'.repeat(40)]) {
      const refused = await admin('GET', '/api/admin/sources', undefined, token)
      assert.deepEqual([refused.statusCode, refused.json().code], [401, 'ADMIN_UNAUTHORIZED'])
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/sources' })).statusCode, 401)
    assert.equal((await admin('POST', '/api/admin/sources/nobody/rotate')).json().code, 'SOURCE_NOT_FOUND')
    for (const source of ['', 'a b', 'x'.repeat(65), 'кириллица']) {
      const bad = await admin('POST', '/api/admin/sources/tokens', { source })
      assert.equal(bad.statusCode, 400, source)
    }
    assert.equal((await admin('POST', '/api/admin/sources/tokens', { source: 1 })).statusCode, 400)
  })

  test('without a configured admin token the admin guard refuses everyone: the admin API is off', async () => {
    const guard = requireAdminToken(undefined)
    for (const authorization of [undefined, 'Bearer ', `Bearer ${ADMIN_TOKEN}`]) {
      const request = { headers: { authorization } } as unknown as FastifyRequest
      const reply = { header: () => reply } as unknown as FastifyReply
      await assert.rejects(guard(request, reply), (error: Error) => PaymentsError.is(error, 'ADMIN_API_DISABLED'))
    }
  })
})
