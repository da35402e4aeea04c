import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type StartedPayments, sourceToken, startPayments } from './harness.ts'

/** Every answer to hostile input: a 4xx in the seed's envelope with a stable code, never a 500. */
function assertRefused(answer: { statusCode: number; body: string }, context: string, code?: string) {
  assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `${context}: ${answer.statusCode} ${answer.body}`)
  const body = JSON.parse(answer.body)
  assert.equal(body.success, false, context)
  assert.equal(body.error_code, answer.statusCode, context)
  assert.equal(typeof body.message, 'string', context)
  assert.match(body.code, /^[A-Z_]+$/, context)
  if (code) assert.equal(body.code, code, context)
}

describe('hostile input on every payment endpoint', () => {
  let t: StartedPayments
  let token: string
  let paid: string

  before(async () => {
    t = await startPayments({ PAYMENTS_MAX_AMOUNT: '1000000' })
    token = await sourceToken(t)
    const init = await t.app.inject({
      method: 'POST',
      url: '/api/payment/init',
      headers: { 'x-api-token': token },
      payload: { amount: 1000 },
    })
    paid = init.json().data.transaction_id
  })
  after(() => t.close())

  const rows = async () =>
    (
      await t.db.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM payment) + (SELECT count(*) FROM payment_attempt) + (SELECT count(*) FROM payment_entry) AS n',
      )
    ).rows[0].n
  const init = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/payment/init',
      headers: { 'x-api-token': token, 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })

  test('amounts: zero, negative, three decimals, huge, exponent, not a number → 400 with its own code', async () => {
    const before = await rows()
    const cases: Array<[unknown, string]> = [
      [0, 'AMOUNT_NOT_POSITIVE'],
      [-5, 'AMOUNT_NOT_POSITIVE'],
      ['-0.01', 'AMOUNT_NOT_POSITIVE'],
      [10.005, 'AMOUNT_INVALID'],
      ['10.005', 'AMOUNT_INVALID'],
      [1e21, 'AMOUNT_INVALID'],
      ['1e3', 'AMOUNT_INVALID'],
      [' 100', 'AMOUNT_INVALID'],
      ['100,50', 'AMOUNT_INVALID'],
      ['9'.repeat(39), 'AMOUNT_INVALID'],
      [1000000.01, 'AMOUNT_TOO_LARGE'],
      [Number.MAX_SAFE_INTEGER, 'AMOUNT_TOO_LARGE'],
      [true, 'VALIDATION_FAILED'],
      [null, 'VALIDATION_FAILED'],
      [{ value: 1 }, 'VALIDATION_FAILED'],
      [[1], 'VALIDATION_FAILED'],
    ]
    for (const [amount, code] of cases) assertRefused(await init({ amount }), `amount ${JSON.stringify(amount)}`, code)
    const zero = await init({ amount: 0 })
    assert.equal(zero.json().message, 'Сумма должна быть больше 0')
    assert.equal(await rows(), before, 'nothing written')
  })

  test('init: malformed JSON, wrong types, NUL, long strings, huge bodies, bad currency and URLs', async () => {
    const before = await rows()
    const cases: Array<[unknown, string?]> = [
      ['{"amount": 100', 'VALIDATION_FAILED'],
      ['', 'VALIDATION_FAILED'],
      ['[]', 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
      [{ amount: 100, description: 5 }, 'VALIDATION_FAILED'],
      [{ amount: 100, metadata: 'x' }, 'VALIDATION_FAILED'],
      [{ amount: 100, metadata: [1] }, 'VALIDATION_FAILED'],
      [{ amount: 100, payment_method_id: 'kaspi_gold' }, 'VALIDATION_FAILED'],
      [{ amount: 100, payment_method_id: 99 }, 'PAYMENT_METHOD_UNKNOWN'],
      [{ amount: 100, description: 'a\u0000b' }, 'VALIDATION_FAILED'],
      [{ amount: 100, customer_name: 'x'.repeat(10_000) }, 'VALIDATION_FAILED'],
      [{ amount: 100, currency: 'USD' }, 'CURRENCY_NOT_SUPPORTED'],
      [{ amount: 100, webhook_url: 'javascript:alert(1)' }, 'VALIDATION_FAILED'],
      [{ amount: 100, webhook_url: 'not a url' }, 'VALIDATION_FAILED'],
      // Refused at init, not later inside the transaction of the payment's first status change (SSRF guard).
      [{ amount: 100, webhook_url: 'http://169.254.169.254/latest/meta-data' }, 'VALIDATION_FAILED'],
      [{ amount: 100, webhook_url: 'http://127.0.0.1:8081/api/admin/sources' }, 'VALIDATION_FAILED'],
      [{ amount: 100, webhook_url: 'https://user:password@example.com/hook' }, 'VALIDATION_FAILED'],
      [{ amount: 100, metadata: { big: 'x'.repeat(100_000) } }, 'PAYLOAD_TOO_LARGE'],
      [`{"amount":1,"metadata":${'['.repeat(100)}${']'.repeat(100)}}`, 'VALIDATION_FAILED'],
    ]
    for (const [payload, code] of cases)
      assertRefused(await init(payload), `init ${String(JSON.stringify(payload)).slice(0, 60)}`, code)
    assert.equal(await rows(), before, 'nothing written')
  })

  test('tokens: missing, wrong, malformed, another system’s, in the wrong header → 401 "Invalid API token"', async () => {
    const before = await rows()
    const wrongChecksum = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    for (const headers of [
      { 'x-api-token': '' },
      { 'x-api-token': wrongChecksum },
      { 'x-api-token': 'x'.repeat(5_000) },
      { 'x-api-token': `${token}\u00e9` },
      { 'x-api-token': token.slice(0, 46) },
    ]) {
      const answer = await init({ amount: 100 }, headers)
      assertRefused(answer, `token ${headers['x-api-token'].slice(0, 20)}`, 'UNAUTHORIZED')
      assert.equal(answer.json().message, 'Invalid API token')
    }
    const bearer = await t.app.inject({
      method: 'POST',
      url: '/api/payment/init',
      headers: { authorization: `Bearer ${token}` },
      payload: { amount: 100 },
    })
    assertRefused(bearer, 'bearer instead of X-API-Token', 'UNAUTHORIZED')
    assert.equal(await rows(), before)
  })

  test('public endpoints: unknown, malformed, long and NUL ids are 404 or 400, never 500', async () => {
    for (const id of ['000000000000', 'ZZZZZZZZZZZZ', 'a3f5d9e2b1c8', '1', 'x'.repeat(64), "1' OR '1'='1", '%00abc']) {
      for (const url of [`/api/payment/${encodeURIComponent(id)}`, `/api/payment/${encodeURIComponent(id)}/status`]) {
        assertRefused(await t.app.inject({ method: 'GET', url }), url)
      }
    }
    const unknown = await t.app.inject({ method: 'GET', url: '/api/payment/000000000000' })
    assert.deepEqual([unknown.statusCode, unknown.json().message], [404, 'Транзакция не найдена'])
    assertRefused(await t.app.inject({ method: 'GET', url: `/api/payment/${'x'.repeat(65)}` }), 'id of 65')
  })

  test('/kaspi: bad bodies and methods are refused and start nothing', async () => {
    const before = await rows()
    const kaspi = (payload: string, id = paid) =>
      t.app.inject({
        method: 'POST',
        url: `/api/payment/${id}/kaspi`,
        headers: { 'content-type': 'application/json' },
        payload,
      })
    for (const [payload, code] of [
      ['{', 'VALIDATION_FAILED'],
      ['{}', 'VALIDATION_FAILED'],
      ['{"payment_method": 1}', 'VALIDATION_FAILED'],
      ['{"payment_method": "kaspi_bitcoin"}', 'PAYMENT_METHOD_UNKNOWN'],
      ['{"payment_method": "kaspi_gold\\u0000"}', 'VALIDATION_FAILED'],
      [JSON.stringify({ payment_method: 'x'.repeat(100_000) }), 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      assertRefused(await kaspi(payload), `kaspi ${payload.slice(0, 40)}`, code)
    }
    assertRefused(await kaspi('{"payment_method":"kaspi_gold"}', '000000000000'), 'unknown id', 'PAYMENT_NOT_FOUND')
    assert.equal(await rows(), before)
    assert.equal(t.terminals.calls.filter((c) => c.op === 'start').length, 0)
  })

  test('cancel and refund: no token, another id, bad amounts → refused, nothing written', async () => {
    const before = await rows()
    const post = (url: string, payload?: unknown, auth = true) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: auth ? { 'x-api-token': token } : {},
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
    assertRefused(await post(`/api/payment/${paid}/cancel`, undefined, false), 'cancel without token', 'UNAUTHORIZED')
    assertRefused(await post('/api/payment/000000000000/cancel'), 'cancel unknown', 'PAYMENT_NOT_FOUND')
    assertRefused(await post(`/api/payment/${paid}/refund`, {}, false), 'refund without token', 'UNAUTHORIZED')
    for (const amount of [-1, 0, 1.001, 'abc', true]) {
      assertRefused(await post(`/api/payment/${paid}/refund`, { amount }), `refund ${amount}`)
    }
    assertRefused(await post(`/api/payment/${paid}/refund`), 'refund of an unpaid payment', 'REFUND_NOT_ALLOWED')
    assert.equal(await rows(), before)
  })

  test('an over-long Idempotency-Key is 400 with a stable code', async () => {
    assertRefused(await init({ amount: 100 }, { 'idempotency-key': 'k'.repeat(300) }), 'long key')
  })
})

describe('public endpoints are rate limited per client address', () => {
  test('past the limit: 429 in the seed’s envelope with Retry-After', async () => {
    const t = await startPayments({ PAYMENTS_PUBLIC_RATE_PER_MINUTE: '3' })
    try {
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await t.app.inject({ method: 'GET', url: '/api/payment/000000000000' }))
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        [404, 404, 404, 429, 429],
      )
      assertRefused(answers[3], '429', 'RATE_LIMITED')
      assert.ok(answers[3].headers['retry-after'])
      const other = await t.app.inject({ method: 'GET', url: '/api/payment/000000000000', remoteAddress: '10.0.0.9' })
      assert.equal(other.statusCode, 404, 'another address has its own budget')
    } finally {
      await t.close()
    }
  })
})
