import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import { createFakeTerminalPool, type FakeTerminalPool } from './fake-terminal-pool.ts'
import { ADMIN_TOKEN, type StartedPayments, sourceToken, startPayments } from './harness.ts'

/**
 * Hostile input on every endpoint: the answer is a 4xx in the seed's envelope with a stable code, never a 500, and
 * nothing is written. Each case names what it sends; the sweep runs them all so one 500 anywhere fails the test.
 */

type Answer = { statusCode: number; body: string }

/** A refusal as the seed's integrators read it: 4xx, `{success:false, message, error_code = status, code}`. */
function assertRefusal(label: string, answer: Answer, status?: number) {
  assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `${label}: ${answer.statusCode} ${answer.body}`)
  if (status !== undefined) assert.equal(answer.statusCode, status, `${label}: ${answer.body}`)
  const body = JSON.parse(answer.body)
  assert.equal(body.success, false, label)
  assert.equal(body.error_code, answer.statusCode, label)
  assert.match(body.code, /^[A-Z][A-Z0-9_]+$/, `${label}: stable code`)
  assert.equal(typeof body.message, 'string', label)
}

const json = { 'content-type': 'application/json' }

async function paymentCount(t: PaymentsApp): Promise<number> {
  const { rows } = await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment')
  return Number(rows[0].n)
}

describe('attack: hostile bodies, ids and tokens on the payment API', () => {
  let t: StartedPayments
  let token: string
  let transactionId: string
  before(async () => {
    t = await startPayments()
    token = await sourceToken(t, 'attacker')
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/payment/init',
      headers: { 'x-api-token': token },
      payload: { amount: 1000 },
    })
    transactionId = made.json().data.transaction_id
  })
  after(() => t.close())

  it('refuses every malformed init body with a 4xx envelope and writes no payment', async () => {
    const deep = `{"amount":100,"metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`
    const bodies = [
      '{',
      'null',
      '[]',
      '"x"',
      '1e309',
      '{"amount":1e309}',
      '{"amount":"NaN"}',
      '{"amount":"Infinity"}',
      '{"amount":-1}',
      '{"amount":0}',
      '{"amount":"0.00"}',
      '{"amount":1.005}',
      '{"amount":"1.005"}',
      '{"amount":"1e3"}',
      '{"amount":1e-7}',
      '{"amount":"0x10"}',
      '{"amount":"１２"}',
      '{"amount":" 12"}',
      '{"amount":"1,5"}',
      '{"amount":9007199254740993}',
      '{"amount":"99999999999999999999999999"}',
      '{"amount":true}',
      '{"amount":{}}',
      '{"amount":[1]}',
      '{"amount":null}',
      '{"amount":100,"currency":"USD"}',
      '{"amount":100,"currency":"K\\u0000T"}',
      '{"amount":100,"description":"a\\u0000b"}',
      '{"amount":100,"customer_name":"\\u0000"}',
      '{"amount":100,"metadata":{"k":"\\u0000"}}',
      '{"amount":100,"metadata":{"k\\u0000":"v"}}',
      '{"amount":100,"webhook_secret":"\\u0000"}',
      '{"amount":100,"webhook_url":"file:///etc/passwd"}',
      '{"amount":100,"webhook_url":"http://exa mple.kz/"}',
      '{"amount":100,"metadata":[1]}',
      '{"amount":100,"metadata":"x"}',
      `{"amount":100,"description":"${'я'.repeat(1001)}"}`,
      `{"amount":100,"customer_phone":"${'7'.repeat(33)}"}`,
      `{"amount":100,"webhook_url":"https://e.kz/${'a'.repeat(2048)}"}`,
      `{"amount":100,"metadata":{${Array.from({ length: 101 }, (_, i) => `"k${i}":1`).join(',')}}}`,
      '{"amount":100,"payment_method_id":1.5}',
      '{"amount":100,"payment_method_id":"1"}',
      '{"amount":100,"payment_method_id":99999}',
      '{"amount":100,"payment_method_id":32000}',
      '{"amount":100,"metadata":{"__proto__":{"x":1}}}',
      deep,
      `[${'['.repeat(100_000)}`,
      'x'.repeat(70_000),
    ]
    const before = await paymentCount(t)
    for (const payload of bodies) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': token, ...json },
        payload,
      })
      assertRefusal(`init ${payload.slice(0, 80)}`, answer)
    }
    assert.equal(await paymentCount(t), before, 'nothing half-written')
  })

  it('refuses a lone UTF-16 surrogate in metadata with a 400, not a 500 from jsonb', async () => {
    const before = await paymentCount(t)
    for (const payload of [
      '{"amount":100,"metadata":{"k":"\\ud800"}}',
      '{"amount":100,"metadata":{"\\udfff":1}}',
      '{"amount":100,"metadata":{"k":"a\\uDBFFb"}}',
      '{"amount":100,"description":"\\ud800"}',
    ]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': token, ...json },
        payload,
      })
      assertRefusal(`init ${payload}`, answer, 400)
    }
    assert.equal(await paymentCount(t), before)
    // A well-formed pair, and an escaped backslash before "ud800", are text and pass.
    for (const payload of [
      '{"amount":100,"metadata":{"k":"\\ud83d\\ude00"}}',
      '{"amount":100,"description":"\\\\ud800"}',
    ]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': token, ...json },
        payload,
      })
      assert.equal(answer.statusCode, 201, `${payload}: ${answer.body}`)
    }
  })

  it('refuses hostile bodies on /kaspi and /refund, and hostile ids on every payment route', async () => {
    for (const payload of ['{', 'null', '[]', '{"payment_method":1}', '{"payment_method":"\\u0000"}', '{}']) {
      const answer = await t.app.inject({
        method: 'POST',
        url: `/api/payment/${transactionId}/kaspi`,
        headers: json,
        payload,
      })
      assertRefusal(`kaspi ${payload}`, answer)
    }
    const unknownMethod = await t.app.inject({
      method: 'POST',
      url: `/api/payment/${transactionId}/kaspi`,
      payload: { payment_method: `kaspi_gold${'x'.repeat(50)}` },
    })
    assertRefusal('kaspi unknown method', unknownMethod, 400)
    for (const payload of ['{', '{"amount":-5}', '{"amount":1e309}', '{"amount":"1.001"}', '{"amount":"\\u0000"}']) {
      const answer = await t.app.inject({
        method: 'POST',
        url: `/api/payment/${transactionId}/refund`,
        headers: { 'x-api-token': token, ...json },
        payload,
      })
      assertRefusal(`refund ${payload}`, answer)
    }
    const ids = [
      '%00',
      'AAAAAAAAAAA%00',
      '%FF',
      '%E0%A4%A',
      '..%2F..%2Fetc',
      'A'.repeat(65),
      "'%20OR%201=1",
      'aaaaaaaaaaaa',
      '000000000000',
    ]
    for (const id of ids) {
      for (const [method, path] of [
        ['GET', ''],
        ['GET', '/status'],
        ['POST', '/kaspi'],
        ['POST', '/cancel'],
        ['POST', '/refund'],
      ] as const) {
        const answer = await t.app.inject({
          method,
          url: `/api/payment/${id}${path}`,
          headers: { 'x-api-token': token },
          ...(method === 'POST' ? { payload: { payment_method: 'kaspi_gold' } } : {}),
        })
        assertRefusal(`${method} ${id}${path}`, answer)
      }
    }
    const stillPending = await t.app.inject({ method: 'GET', url: `/api/payment/${transactionId}` })
    assert.equal(stillPending.json().data.status, 'pending')
  })

  it('answers 401 to a missing, wrong, padded, NUL-carrying or huge X-API-Token, and writes nothing', async () => {
    const before = await paymentCount(t)
    for (const header of [
      '',
      'x',
      'a'.repeat(64),
      'a'.repeat(8000),
      `${token} `,
      ` ${token}`,
      token.toUpperCase(),
      `${token},${token}`,
      `${token.slice(0, -1)}\u00ff`,
    ]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': header },
        payload: { amount: 1 },
      })
      assertRefusal(`token ${JSON.stringify(header).slice(0, 30)}`, answer, 401)
    }
    const none = await t.app.inject({ method: 'POST', url: '/api/payment/init', payload: { amount: 1 } })
    assertRefusal('no token', none, 401)
    assert.equal(await paymentCount(t), before)
  })

  it('answers 401 to every wrong admin Authorization, and never a 500', async () => {
    const headers = [
      '',
      'Bearer',
      'Bearer ',
      'Bearer x',
      `Basic ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(1)}`,
      `Bearer ${'a'.repeat(60_000)}`,
      `Bearer ${token}`,
    ]
    for (const authorization of headers) {
      for (const url of [
        '/api/admin/sources',
        '/api/admin/terminals',
        '/api/admin/webhooks/deliveries',
        '/api/admin/webhooks/stats',
      ]) {
        const answer = await t.app.inject({ method: 'GET', url, headers: { authorization } })
        assertRefusal(`${url} ${authorization.slice(0, 20)}`, answer, 401)
      }
    }
  })

  it('refuses dates no timestamp column holds on the webhook admin API (year 0000, a leap second)', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    for (const url of [
      '/api/admin/webhooks/deliveries?from=0000-01-01T00:00:00Z',
      '/api/admin/webhooks/deliveries?to=0000-01-01T00:00:00Z',
      '/api/admin/webhooks/deliveries?from=2020-12-31T23:59:60Z',
      '/api/admin/webhooks/stats?from=0000-01-01T00:00:00Z',
      '/api/admin/webhooks/stats?to=2020-12-31T23:59:60Z',
    ]) {
      assertRefusal(url, await t.app.inject({ method: 'GET', url, headers: admin }), 400)
    }
    for (const body of [{ from: '0000-01-01T00:00:00Z' }, { to: '2020-12-31T23:59:60Z' }]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/api/admin/webhooks/resend',
        headers: admin,
        payload: body,
      })
      assertRefusal(`resend ${JSON.stringify(body)}`, answer, 400)
    }
  })

  it('refuses year 0000 on the terminals reconciliation report', async () => {
    const answer = await t.app.inject({
      method: 'GET',
      url: '/api/admin/terminals/reconcile?from=0000-01-01T00:00:00Z&to=0001-01-01T00:00:00Z',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    assertRefusal('reconcile year 0', answer, 400)
  })
})

describe('attack: webhook URLs that point inside (SSRF) and what they do to a payment', () => {
  let app: PaymentsApp
  let terminals: FakeTerminalPool
  let token: string
  before(async () => {
    const db = await openTestDatabase(paymentsMigrations)
    // The real webhooks module, private networks refused as in production.
    const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: ADMIN_TOKEN })
    terminals = createFakeTerminalPool({ terminals: 2 })
    app = await buildPaymentsApp({ config, db, background: false, overrides: { pool: terminals.pool } })
    token = (await app.services.sources.createToken('ssrf')).token
    app.app.addHook('onClose', () => db.close())
  })
  after(() => app.app.close())

  const inside = [
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8081/api/admin/sources',
    'http://[::1]/',
    'http://0/',
    'http://localhost./',
    'http://u:p@example.kz/',
  ]

  it('refuses a private, loopback or credentialed webhook_url at init with a 400', async () => {
    for (const webhook_url of inside) {
      const answer = await app.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': token },
        payload: { amount: 100, webhook_url },
      })
      assertRefusal(`init ${webhook_url}`, answer, 400)
    }
  })

  it('never lets such a URL make a cancel fail and keep the terminal leased', async () => {
    for (const webhook_url of inside) {
      const made = await app.app.inject({
        method: 'POST',
        url: '/api/payment/init',
        headers: { 'x-api-token': token },
        payload: { amount: 100, webhook_url },
      })
      if (made.statusCode === 400) continue // refused at the door: nothing to cancel
      assert.equal(made.statusCode, 201, made.body)
      const id = made.json().data.transaction_id
      const started = await app.app.inject({
        method: 'POST',
        url: `/api/payment/${id}/kaspi`,
        payload: { payment_method: 'kaspi_gold' },
      })
      assert.equal(started.statusCode, 200, `${webhook_url}: ${started.body}`)
      const cancelled = await app.app.inject({
        method: 'POST',
        url: `/api/payment/${id}/cancel`,
        headers: { 'x-api-token': token },
      })
      assert.equal(cancelled.statusCode, 200, `${webhook_url}: ${cancelled.body}`)
      assert.equal(terminals.leases.size, 0, `${webhook_url}: the terminal is free again`)
      const { rows } = await app.db.query<{ url: string }>('SELECT url FROM webhook_endpoint')
      assert.ok(!rows.some((r) => r.url === webhook_url), `${webhook_url}: never registered as an endpoint`)
    }
  })

  it('refuses a trailing-dot localhost and metadata addresses on the admin endpoint registration', async () => {
    for (const url of [
      'http://localhost./',
      'http://localhost../x',
      'http://a.localhost./',
      'http://169.254.169.254/',
    ]) {
      const answer = await app.app.inject({
        method: 'POST',
        url: '/api/admin/webhooks/endpoints',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { source_id: 1, url },
      })
      assertRefusal(`register ${url}`, answer, 400)
    }
  })
})
