import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHttpTarget } from '../src/outbound.ts'
import { withTokenLifecycle } from '../src/token-lifecycle.ts'

/**
 * A partner on a real socket that accepts only its current session token (401 otherwise) and issues tokens slowly,
 * as a login call does, so concurrent callers really overlap while one is on its way.
 */
async function startPartner(t: TestContext) {
  const partner = { current: 'token-1', issued: 0, calls: 0, refused: 0 }
  const server = createServer((request, response) => {
    partner.calls++
    const ok = request.headers.authorization === `Bearer ${partner.current}`
    if (!ok) partner.refused++
    response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const http = createHttpTarget({
    name: 'partner',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  })
  t.after(() => http.close())
  const obtain = async () => {
    partner.issued++
    await sleep(20)
    return partner.current
  }
  return { partner, http, obtain }
}

const isAuthError = (result: { status: number }) => result.status === 401
const callers = (n: number, call: () => Promise<{ status: number }>) =>
  Promise.all(Array.from({ length: n }, call)).then((results) => results.map((result) => result.status))

test('20 concurrent callers without a token share one obtain, and every call carries it', async (t) => {
  const { partner, http, obtain } = await startPartner(t)
  const target = withTokenLifecycle(http, { obtain, isAuthError })
  const statuses = await callers(20, () => target.call('read', { method: 'GET', path: '/x' }))
  assert.deepEqual(statuses, Array(20).fill(200))
  assert.equal(partner.issued, 1)
  await target.call('read', { method: 'GET', path: '/x' })
  assert.equal(partner.issued, 1, 'the token is reused while it is valid')
})

test('a refused token is replaced exactly once for 20 concurrent callers, and each call is sent again once', async (t) => {
  const { partner, http, obtain } = await startPartner(t)
  const target = withTokenLifecycle(http, { obtain, isAuthError })
  await target.call('read', { method: 'GET', path: '/x' })
  partner.current = 'token-2' // the partner ended the session
  partner.calls = 0
  const statuses = await callers(20, () => target.call('read', { method: 'GET', path: '/x' }))
  assert.deepEqual(statuses, Array(20).fill(200))
  assert.equal(partner.issued, 2, 'one obtain at the start, exactly one refresh after the refusals')
  assert.equal(partner.calls, 40, 'each caller: the refused call and one retry')
  assert.equal(await target.token(), 'token-2')
})

test('a token refused again after a refresh is answered as it is, without a second refresh', async (t) => {
  const { partner, http } = await startPartner(t)
  let issued = 0
  const target = withTokenLifecycle(http, {
    obtain: async () => `wrong-${++issued}`, // wrong credentials: every token is refused
    isAuthError,
  })
  const result = await target.call('read', { method: 'GET', path: '/x' })
  assert.equal(result.status, 401)
  assert.equal(issued, 2, 'the first token and one refresh')
  assert.equal(partner.calls, 2)
})

test('a failed obtain fails its waiters and is tried again by the next call', async (t) => {
  const { partner, http } = await startPartner(t)
  let attempts = 0
  const target = withTokenLifecycle(http, {
    obtain: async () => {
      attempts++
      await sleep(5)
      if (attempts === 1) throw new Error('login refused')
      return partner.current
    },
    isAuthError,
  })
  const failed = await Promise.allSettled(
    Array.from({ length: 5 }, () => target.call('read', { method: 'GET', path: '/x' })),
  )
  assert.ok(failed.every((outcome) => outcome.status === 'rejected'))
  assert.equal(attempts, 1, 'five waiters, one attempt')
  assert.equal((await target.call('read', { method: 'GET', path: '/x' })).status, 200)
  assert.equal(attempts, 2)
})

test('a token with a known expiry is replaced before it expires, without a refused call', async (t) => {
  const { partner, http } = await startPartner(t)
  let now = 1_000_000
  let issued = 0
  const target = withTokenLifecycle(http, {
    obtain: async () => {
      partner.current = `token-${++issued}`
      return { token: partner.current, expiresAt: now + 60_000 }
    },
    isAuthError,
    refreshBeforeMs: 10_000,
    now: () => now,
  })
  await target.call('read', { method: 'GET', path: '/x' })
  now += 49_999
  await target.call('read', { method: 'GET', path: '/x' })
  assert.equal(issued, 1)
  now += 1
  await target.call('read', { method: 'GET', path: '/x' })
  assert.equal(issued, 2, '10 s before the expiry a new token is obtained')
  assert.equal(partner.refused, 0)
  target.invalidate()
  await target.call('read', { method: 'GET', path: '/x' })
  assert.equal(issued, 3)
})

test('the token can go elsewhere than the Authorization header', async (t) => {
  const { partner, http } = await startPartner(t)
  const seen: string[] = []
  const target = withTokenLifecycle(http, {
    obtain: async () => partner.current,
    isAuthError,
    apply: (request, token) => {
      seen.push(token)
      return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}`, 'x-session': token } }
    },
  })
  assert.equal((await target.call('read', { method: 'GET', path: '/x' })).status, 200)
  assert.deepEqual(seen, ['token-1'])
})
