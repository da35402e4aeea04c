import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConnectorError } from '../src/connector-error.ts'
import type { HttpCall, HttpResult, HttpTarget } from '../src/outbound.ts'
import { withTokenLifecycle } from '../src/token-lifecycle.ts'

/** A partner that accepts any token; counts calls. */
function acceptingTarget() {
  const seen: HttpCall[] = []
  const target = {
    name: 'partner',
    async call(_operation: string, request: HttpCall): Promise<HttpResult> {
      seen.push(request)
      return { status: 200, headers: {}, body: '{}' } as unknown as HttpResult
    },
    stats: () => ({}),
    breakerState: () => 'closed',
    close: async () => {},
  } as unknown as HttpTarget
  return { target, seen }
}

const isAuthError = (result: HttpResult) => result.status === 401

test('an expiry already past, NaN or not a number does not make every call log in again', async () => {
  for (const expiresAt of [0, 1_000, Number.NaN, Number.POSITIVE_INFINITY, '2099' as unknown as number]) {
    const { target } = acceptingTarget()
    let logins = 0
    const wrapped = withTokenLifecycle(target, {
      obtain: async () => ({ token: `t${++logins}`, expiresAt }),
      isAuthError,
      now: () => 1_000_000,
    })
    for (let i = 0; i < 10; i++) await wrapped.call('read', { method: 'GET', path: '/x' })
    assert.equal(logins, 1, String(expiresAt))
  }
})

test('a token shorter-lived than the refresh margin is used for half its life, not obtained per call', async () => {
  const { target } = acceptingTarget()
  let now = 1_000_000
  let logins = 0
  const wrapped = withTokenLifecycle(target, {
    obtain: async () => ({ token: `t${++logins}`, expiresAt: now + 20_000 }),
    isAuthError,
    refreshBeforeMs: 30_000,
    now: () => now,
  })
  for (let i = 0; i < 10; i++) await wrapped.call('read', { method: 'GET', path: '/x' })
  assert.equal(logins, 1)
  now += 10_000
  await wrapped.call('read', { method: 'GET', path: '/x' })
  assert.equal(logins, 2, 'replaced at half its life')
})

test("a partner's token with CR/LF, NUL, spaces or of another type is a protocol ConnectorError, sent nowhere", async () => {
  for (const token of ['abc\r\nx-evil: 1', 'a\0b', 'two words', '', 123, undefined, 'x'.repeat(9000)]) {
    const { target, seen } = acceptingTarget()
    const wrapped = withTokenLifecycle(target, {
      obtain: async () => ({ token: token as string }),
      isAuthError,
    })
    await assert.rejects(wrapped.call('read', { method: 'GET', path: '/x' }), (error: unknown) => {
      assert.ok(error instanceof ConnectorError, String(error))
      assert.equal(error.kind, 'protocol')
      return true
    })
    assert.equal(seen.length, 0, JSON.stringify(token)?.slice(0, 20))
  }
})
