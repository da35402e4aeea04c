import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { manualClock } from '@kokdala/core'
import { createFakeWebkassa, type FakeWebkassa, plainSession } from './fake-webkassa.ts'
import { ADMIN_TOKEN, type StartedFiscal, startFiscal } from './harness.ts'

/**
 * Hostile input on the operator's receipts API: every answer is a 4xx in core's envelope with a stable code, never a
 * 500, and nothing is written (no receipt, no job). What Webkassa would refuse later is refused at the door: a
 * receipt accepted here must be one Webkassa can take.
 */

type Answer = { statusCode: number; body: string }
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const json = { 'content-type': 'application/json' }

function assertRefused(label: string, answer: Answer, code?: string, status?: number) {
  assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `${label}: ${answer.statusCode} ${answer.body}`)
  if (status !== undefined) assert.equal(answer.statusCode, status, `${label}: ${answer.body}`)
  const { error } = JSON.parse(answer.body)
  assert.match(error.code, /^[A-Z][A-Z0-9_]+$/, `${label}: stable code`)
  assert.equal(typeof error.message, 'string', label)
  if (code !== undefined) assert.equal(error.code, code, `${label}: ${answer.body}`)
}

const position = (fields: Record<string, unknown> = {}) => ({ name: 'Билет', count: 1, price: 100, ...fields })
let orders = 0
const receipt = (fields: Record<string, unknown> = {}) => ({
  // A new id each time: a refusal must be for what is sent, never RECEIPT_CONFLICT with an earlier case.
  external_id: `order-${++orders}`,
  positions: [position()],
  payments: [{ type: 'card', sum: 100 }],
  ...fields,
})

describe('attack: hostile input on the receipts API', () => {
  let fiscal: StartedFiscal
  let wk: FakeWebkassa
  before(async () => {
    wk = createFakeWebkassa()
    fiscal = await startFiscal(
      { FISCAL_CASHBOXES: 'SWK1' },
      {
        clock: manualClock(new Date('2026-01-05T04:00:00Z')),
        overrides: { webkassa: wk.client, session: plainSession },
      },
    )
  })
  after(() => fiscal.close())

  const counts = async () =>
    (
      await fiscal.db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM fiscal_receipt) + (SELECT count(*) FROM job)
              + (SELECT count(*) FROM fiscal_payment) AS n`,
      )
    ).rows[0].n
  const post = (payload: unknown, headers: Record<string, string> = admin) =>
    fiscal.app.inject({
      method: 'POST',
      url: '/api/receipts',
      headers: { ...json, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })

  test('malformed, huge and deep JSON bodies are 4xx and write nothing', async () => {
    const before = await counts()
    const bodies = [
      '{',
      'null',
      '[]',
      '"x"',
      '1e309',
      '{}',
      `{"external_id":"a","positions":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
      `[${'['.repeat(100_000)}`,
      JSON.stringify(receipt({ extra: 1 })),
      JSON.stringify(receipt({ external_id: 'x'.repeat(2_000_000) })),
      JSON.stringify(receipt({ positions: [] })),
      JSON.stringify(receipt({ payments: [] })),
      JSON.stringify(receipt({ positions: Array.from({ length: 201 }, () => position()) })),
      JSON.stringify(receipt({ payments: [{ type: 'bitcoin', sum: 100 }] })),
      JSON.stringify(receipt({ external_id: '' })),
      JSON.stringify(receipt({ external_id: 5 })),
      JSON.stringify(receipt({ positions: [position({ name: '' })] })),
      JSON.stringify(receipt({ positions: [position({ name: 'я'.repeat(129) })] })),
      JSON.stringify(receipt({ positions: [position({ count: 0 })] })),
      JSON.stringify(receipt({ positions: [position({ count: 1.5 })] })),
      JSON.stringify(receipt({ positions: [position({ count: 100_001 })] })),
      JSON.stringify(receipt({ positions: [position({ vat_percent: 101 })] })),
      JSON.stringify(receipt({ positions: [position({ unit_code: 0 })] })),
      `{"external_id":"p","positions":[{"name":"n","count":1,"price":1,"__proto__":{"x":1}}],"payments":[{"type":"card","sum":1}]}`,
    ]
    for (const payload of bodies) assertRefused(`body ${payload.slice(0, 80)}`, await post(payload))
    assert.equal(await counts(), before, 'nothing written')
  })

  test('NUL and lone surrogates in every string are 400 VALIDATION_FAILED and write nothing', async () => {
    const before = await counts()
    const strings = ['a\\u0000b', '\\ud800', 'x\\udfff', '\\uDBFFa']
    for (const s of strings) {
      for (const payload of [
        `{"external_id":"${s}","positions":[{"name":"n","count":1,"price":1}],"payments":[{"type":"card","sum":1}]}`,
        `{"external_id":"e","positions":[{"name":"${s}","count":1,"price":1}],"payments":[{"type":"card","sum":1}]}`,
        `{"external_id":"e","positions":[{"name":"n","count":1,"price":"${s}"}],"payments":[{"type":"card","sum":1}]}`,
        `{"external_id":"e","positions":[{"name":"n","count":1,"price":1}],"payments":[{"type":"${s}","sum":1}]}`,
      ]) {
        assertRefused(`string ${payload}`, await post(payload), 'VALIDATION_FAILED', 400)
      }
    }
    assert.equal(await counts(), before)
  })

  test('names Webkassa refuses (control characters, blank) are refused here, not failed at Webkassa', async () => {
    const before = await counts()
    for (const name of ['a\u0001b', 'tab\tname', 'line\nbreak', '\u007f', '   ', '\u00a0']) {
      const answer = await post(receipt({ positions: [position({ name })] }))
      assertRefused(`name ${JSON.stringify(name)}`, answer, 'VALIDATION_FAILED', 400)
    }
    assert.equal(await counts(), before)
  })

  test('amounts: 3 decimals, negative, zero, 1e308, strings, exponents → 400 with a stable code', async () => {
    const before = await counts()
    const prices: Array<[unknown, string]> = [
      [1.005, 'RECEIPT_INVALID'],
      ['1.005', 'RECEIPT_INVALID'],
      [-1, 'RECEIPT_INVALID'],
      ['-1', 'RECEIPT_INVALID'],
      [0, 'RECEIPT_INVALID'],
      ['0.00', 'RECEIPT_INVALID'],
      [1e308, 'RECEIPT_INVALID'],
      [1e21, 'RECEIPT_INVALID'],
      ['1e3', 'RECEIPT_INVALID'],
      ['NaN', 'RECEIPT_INVALID'],
      ['Infinity', 'RECEIPT_INVALID'],
      [' 100', 'RECEIPT_INVALID'],
      ['100,50', 'RECEIPT_INVALID'],
      ['０１', 'RECEIPT_INVALID'],
      ['9'.repeat(24), 'RECEIPT_INVALID'],
      ['9'.repeat(25), 'VALIDATION_FAILED'],
      [true, 'VALIDATION_FAILED'],
      [null, 'VALIDATION_FAILED'],
      [[1], 'VALIDATION_FAILED'],
    ]
    for (const [price, code] of prices) {
      const priced = await post(receipt({ positions: [position({ price })], payments: [{ type: 'card', sum: 100 }] }))
      assertRefused(`price ${JSON.stringify(price)}`, priced, code)
      const summed = await post(receipt({ payments: [{ type: 'card', sum: price }] }))
      assertRefused(`sum ${JSON.stringify(price)}`, summed, code)
    }
    assert.equal(await counts(), before)
  })

  test('sums that do not balance, and a payment type twice, are 400 RECEIPT_INVALID', async () => {
    const before = await counts()
    for (const payments of [
      [{ type: 'card', sum: 99.99 }],
      [{ type: 'card', sum: 100.01 }],
      [
        { type: 'card', sum: 50 },
        { type: 'card', sum: 50 },
      ],
      [
        { type: 'cash', sum: 60 },
        { type: 'card', sum: 60 },
      ],
    ]) {
      assertRefused(`payments ${JSON.stringify(payments)}`, await post(receipt({ payments })), 'RECEIPT_INVALID', 400)
    }
    assert.equal(await counts(), before)
  })

  test('200 positions × max count × max price cannot overflow tiyn, bigint columns or Webkassa’s amounts', async () => {
    const before = await counts()
    const huge = '92233720368547758.07' // MAX_TIYN as tenge: parses, and × 100 000 × 200 is far past int8
    const cases = [
      receipt({
        positions: Array.from({ length: 200 }, () => position({ count: 100_000, price: huge })),
        payments: [{ type: 'card', sum: huge }],
      }),
      // One line beyond what a JSON number carries exactly (2^53 tiyn), payments balanced in tiyn.
      receipt({
        positions: [position({ price: '90071992547409.92' })],
        payments: [{ type: 'card', sum: '90071992547409.92' }],
      }),
      // Past Webkassa's largest amount (100 000 000 000 ₸ a field) by a tiyn, in one line and as a sum of lines.
      receipt({
        positions: [position({ price: '100000000000.01' })],
        payments: [{ type: 'card', sum: '100000000000.01' }],
      }),
      receipt({
        positions: [position({ price: '1000000000', count: 101 })],
        payments: [{ type: 'card', sum: '101000000000' }],
      }),
    ]
    for (const body of cases) {
      assertRefused(`huge ${JSON.stringify(body).slice(0, 120)}`, await post(body), 'RECEIPT_INVALID', 400)
    }
    assert.equal(await counts(), before)
    // The largest receipt allowed is taken: exactly Webkassa's limit.
    const largest = await post(
      receipt({
        external_id: 'largest',
        positions: [position({ price: '1000000000', count: 100 })],
        payments: [{ type: 'card', sum: '100000000000.00' }],
      }),
    )
    assert.equal(largest.statusCode, 201, largest.body)
    assert.equal(largest.json().total, '100000000000.00')
  })

  test('the admin token: missing, wrong, another scheme, long, NUL → 401 ADMIN_UNAUTHORIZED on every route', async () => {
    const before = await counts()
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/receipts', receipt()],
      ['GET', '/api/receipts'],
      ['GET', '/api/receipts/1'],
      ['GET', '/api/cashboxes'],
      ['POST', '/api/cashboxes/SWK1/x-report'],
      ['GET', '/api/cashboxes/SWK1/reports/1'],
      ['GET', '/api/token/status'],
      ['POST', '/api/token/refresh'],
    ]
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      { authorization: `Bearer ${'x'.repeat(10_000)}` },
      { authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` },
      { 'x-admin-token': ADMIN_TOKEN },
    ]
    for (const [method, url, payload] of routes) {
      for (const h of headers) {
        const answer = await fiscal.app.inject({
          method: method as 'GET' | 'POST',
          url,
          headers: h,
          ...(payload ? { payload: payload as object } : {}),
        })
        assertRefused(`${method} ${url} ${JSON.stringify(h).slice(0, 40)}`, answer, 'ADMIN_UNAUTHORIZED', 401)
      }
    }
    assert.equal(await counts(), before)
    assert.equal(wk.calls.length, 0, 'nothing reached Webkassa')
  })

  test('unknown, huge, negative and garbage ids and cashbox numbers are 400 or 404 with a stable code', async () => {
    const get = (url: string) => fiscal.app.inject({ method: 'GET', url, headers: admin })
    for (const [url, code] of [
      ['/api/receipts/999999', 'RECEIPT_NOT_FOUND'],
      ['/api/receipts/9007199254740991', 'RECEIPT_NOT_FOUND'],
      ['/api/receipts/9007199254740992', 'VALIDATION_FAILED'],
      ['/api/receipts/99999999999999999999999', 'VALIDATION_FAILED'],
      ['/api/receipts/0', 'VALIDATION_FAILED'],
      ['/api/receipts/-1', 'VALIDATION_FAILED'],
      ['/api/receipts/1.5', 'VALIDATION_FAILED'],
      ['/api/receipts/Infinity', 'VALIDATION_FAILED'],
      ['/api/receipts/abc', 'VALIDATION_FAILED'],
      ['/api/receipts/%00', 'VALIDATION_FAILED'],
      ['/api/receipts?limit=0', 'VALIDATION_FAILED'],
      ['/api/receipts?limit=501', 'VALIDATION_FAILED'],
      ['/api/receipts?status=lost', 'VALIDATION_FAILED'],
      [`/api/receipts?payment=${'x'.repeat(65)}`, 'VALIDATION_FAILED'],
      ['/api/receipts?payment=a%00b', 'VALIDATION_FAILED'],
      ['/api/cashboxes/SWK1/reports/999999', 'REPORT_NOT_FOUND'],
      ['/api/cashboxes/NOPE/reports/1', 'REPORT_NOT_FOUND'],
      ['/api/cashboxes/SWK1/reports/0', 'VALIDATION_FAILED'],
      [`/api/cashboxes/${'Z'.repeat(65)}/reports/1`, 'VALIDATION_FAILED'],
      ['/api/cashboxes/SWK1%00/reports/1', 'VALIDATION_FAILED'],
    ] as const) {
      assertRefused(url, await get(url), code)
    }
    // Text that is no UTF-8 or a lone surrogate in the path or query: never a 500.
    for (const url of [
      '/api/receipts?payment=%ED%A0%80',
      '/api/receipts?payment=%FF',
      '/api/cashboxes/%ED%A0%80/reports/1',
      '/api/cashboxes/%E0%A4%A/reports/1',
    ]) {
      const answer = await get(url)
      assert.ok(answer.statusCode < 500, `${url}: ${answer.statusCode} ${answer.body}`)
      if (answer.statusCode !== 200) assertRefused(url, answer)
    }
  })

  test('x-report on an unknown, huge, NUL or surrogate cashbox is 4xx and queues nothing', async () => {
    const before = await counts()
    for (const [znk, code] of [
      ['NOPE', 'CASHBOX_NOT_FOUND'],
      ['swk1', 'CASHBOX_NOT_FOUND'],
      ['SWK1%20', 'CASHBOX_NOT_FOUND'],
      ['SWK1%00', 'VALIDATION_FAILED'],
      [`${'Z'.repeat(65)}`, 'VALIDATION_FAILED'],
      ['%ED%A0%80', undefined],
      ['..%2F..%2Fetc', 'CASHBOX_NOT_FOUND'],
    ] as const) {
      const answer = await fiscal.app.inject({ method: 'POST', url: `/api/cashboxes/${znk}/x-report`, headers: admin })
      assertRefused(`x-report ${znk}`, answer, code)
    }
    assert.equal(await counts(), before)
  })

  test('the same external_id with other content is 409 RECEIPT_CONFLICT; the receipt is unchanged', async () => {
    const first = await post(receipt({ external_id: 'same-id' }))
    assert.equal(first.statusCode, 201, first.body)
    const other = await post(
      receipt({
        external_id: 'same-id',
        positions: [position({ price: 200 })],
        payments: [{ type: 'card', sum: 200 }],
      }),
    )
    assertRefused('other content', other, 'RECEIPT_CONFLICT', 409)
    const again = await post(receipt({ external_id: 'same-id' }))
    assert.equal(again.statusCode, 200)
    assert.equal(again.json().id, first.json().id)
    assert.equal(again.json().total, '100.00')
  })
})

describe('attack: a stored receipt Webkassa can never take', () => {
  test('goes to needs_attention at once and does not hold up the receipts behind it on its cashbox', async () => {
    const wk = createFakeWebkassa()
    const fiscal = await startFiscal(
      { FISCAL_CASHBOXES: 'SWK1' },
      {
        clock: manualClock(new Date('2026-01-05T04:00:00Z')),
        overrides: { webkassa: wk.client, session: plainSession },
      },
    )
    try {
      const post = (external_id: string) =>
        fiscal.app.inject({ method: 'POST', url: '/api/receipts', headers: admin, payload: receipt({ external_id }) })
      const bad = (await post('edited')).json().id
      const good = (await post('behind')).json().id
      // Stored before today's checks, or edited by hand: a total far above what Webkassa (or a JSON number) takes.
      await fiscal.db.query(
        `UPDATE fiscal_receipt SET content = jsonb_set(jsonb_set(content, '{lines,0,priceTiyn}', '"900000000000000000"'),
           '{payments,0,sumTiyn}', '"900000000000000000"') WHERE id = $1`,
        [bad],
      )
      for (let i = 0; i < 20; i++) if ((await fiscal.services.worker.runDue()) === 0) break
      const get = async (id: number) =>
        (await fiscal.app.inject({ method: 'GET', url: `/api/receipts/${id}`, headers: admin })).json()
      const [stuck, next] = [await get(bad), await get(good)]
      assert.equal(stuck.status, 'needs_attention')
      assert.match(stuck.last_error, /^RECEIPT_INVALID: the total is above/)
      assert.equal(next.status, 'fiscalized')
      assert.equal(wk.calls.filter((c) => c.startsWith('check')).length, 1, 'only the good receipt was sent')
    } finally {
      await fiscal.close()
    }
  })
})
