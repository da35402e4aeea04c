import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireAdminToken } from '../src/admin-token.ts'
import { withSecretFiles } from '../src/config.ts'

const TOKEN = 'admin-token-0123456789-0123456789abcdef'

function call(guard: ReturnType<typeof requireAdminToken>, authorization?: string) {
  const headers: Record<string, string> = {}
  const reply = {
    header(name: string, value: string) {
      headers[name] = value
    },
  }
  const request = { headers: authorization === undefined ? {} : { authorization } }
  return {
    done: guard(request as FastifyRequest, reply as unknown as FastifyReply),
    headers,
  }
}

test('the admin guard lets the bearer admin token through', async () => {
  await call(requireAdminToken(TOKEN), `Bearer ${TOKEN}`).done
})

test('a missing or wrong bearer is ADMIN_UNAUTHORIZED with a WWW-Authenticate challenge', async () => {
  for (const header of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, 'Bearer ']) {
    const attempt = call(requireAdminToken(TOKEN), header)
    await assert.rejects(attempt.done, { code: 'ADMIN_UNAUTHORIZED' })
    assert.equal(attempt.headers['www-authenticate'], 'Bearer')
  }
})

test('without a configured token the admin API is off for everyone, never open', async () => {
  await assert.rejects(call(requireAdminToken(undefined), `Bearer ${TOKEN}`).done, { code: 'ADMIN_API_DISABLED' })
  await assert.rejects(call(requireAdminToken(undefined)).done, { code: 'ADMIN_API_DISABLED' })
})

test('withSecretFiles reads <NAME>_FILE only for the names given, and leaves the environment as it was', () => {
  const env = { A_FILE: '/secrets/a', B_FILE: '/secrets/b', C: 'plain' }
  const read = (path: string) => `${path.slice(-1)}-value\n`
  const resolved = withSecretFiles(env, ['A', 'C'], read)
  assert.equal(resolved.A, 'a-value')
  assert.equal(resolved.B, undefined)
  assert.equal(resolved.C, 'plain')
  assert.equal((env as Record<string, string>).A, undefined)
})
