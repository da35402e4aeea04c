import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { CASHBOX, codesOf, control, DEMO, post, saleBody, startWebkassaSimulator, token } from './helpers.ts'

/**
 * Hostile input on the Webkassa API: whatever arrives — broken JSON, NUL bytes, a body over the limit, the wrong
 * types, absurd sizes — the answer is Webkassa's envelope with code 9 (or the refusal the field calls for: 1, 3, 6)
 * and HTTP 200 or 4xx, never a 500; nothing is recorded, and the simulator keeps working.
 */
let sim: Awaited<ReturnType<typeof startWebkassaSimulator>>
let url: string
let t: string
before(async () => {
  sim = await startWebkassaSimulator()
  url = sim.url
  t = await token(url)
})
after(() => sim.close())

async function raw(path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-api-key': DEMO.apiKey },
    body,
  })
  const text = await response.text()
  return { status: response.status, json: JSON.parse(text) }
}

function refusedWith(answer: { status: number; json: { Errors?: { Code: number }[] } }, code: number, what: string) {
  assert.ok(answer.status === 200 || (answer.status >= 400 && answer.status < 500), `${what}: HTTP ${answer.status}`)
  assert.deepEqual(codesOf(answer), [code], `${what}: ${JSON.stringify(answer.json)}`)
}

test('bodies that are not JSON objects are code 9 with a 4xx, never a 500', async () => {
  for (const [body, contentType] of [
    ['{"Token":', 'application/json'],
    ['', 'application/json'],
    ['{"Token":"a\u0000"}', 'application/json'], // a raw NUL inside a JSON string is not JSON
    ['\u0000\u0000\u0000', 'application/json'],
    ['{"__proto__":{"admin":true}}', 'application/json'],
    ['Token=abc', 'application/x-www-form-urlencoded'],
    ['<xml/>', 'text/xml'],
  ] as const) {
    const answer = await raw('/api/v4/check', body, contentType)
    assert.ok(answer.status >= 400 && answer.status < 500, `${JSON.stringify(body)}: HTTP ${answer.status}`)
    assert.deepEqual(codesOf(answer), [9], JSON.stringify(body))
  }
  for (const body of ['[]', 'null', '"text"', '42', 'true']) {
    refusedWith(await raw('/api/v4/check', body), 9, body)
  }
})

test('a body over 1 MiB is refused with 413 and code 9', async () => {
  const huge = JSON.stringify({ ...saleBody(t, 'huge-1'), PositionName: 'x'.repeat(1_100_000) })
  const answer = await raw('/api/v4/check', huge)
  assert.equal(answer.status, 413)
  assert.deepEqual(codesOf(answer), [9])
})

test('NUL bytes and control characters in fields are refused by the field: 1, 3, 6 or 9', async () => {
  refusedWith(
    await post(url, '/api/v4/Authorize', { Login: `${DEMO.login}\u0000`, Password: DEMO.password }),
    1,
    'login',
  )
  refusedWith(await post(url, '/api/v4/Authorize', { Login: DEMO.login, Password: `\u0000${DEMO.password}` }), 1, 'pwd')
  refusedWith(await post(url, '/api/v4/Cashboxes', { Token: `${t}\u0000` }), 3, 'token')
  refusedWith(
    await post(url, '/api/v4/check', { ...saleBody(t, 'n-1'), CashboxUniqueNumber: `${CASHBOX}\u0000` }),
    6,
    'znk',
  )
  refusedWith(await post(url, '/api/v4/check', saleBody(t, 'n-\u0000-2')), 9, 'external')
  const name = saleBody(t, 'n-3')
  name.Positions[0]!.PositionName = 'Билет\u0000'
  refusedWith(await post(url, '/api/v4/check', name), 9, 'position name')
  refusedWith(await post(url, '/api/v4/check', { ...saleBody(t, 'n-4'), CustomerEmail: 'a@b\r\nBcc: c@d' }), 9, 'email')
})

test('wrong types in every field are refused, never thrown', async () => {
  const spoilt: [string, Record<string, unknown>, number][] = [
    ['token number', { Token: 12345 }, 3],
    ['token object', { Token: { $ne: null } }, 3],
    ['token array', { Token: [t] }, 3],
    ['cashbox number', { CashboxUniqueNumber: 1 }, 9],
    ['operation string', { OperationType: '2' }, 9],
    ['positions object', { Positions: { 0: {} } }, 9],
    ['positions of strings', { Positions: ['x'] }, 9],
    ['positions null', { Positions: null }, 9],
    ['payments string', { Payments: 'cash' }, 9],
    ['payments of null', { Payments: [null] }, 9],
    ['price string', { Positions: [{ ...saleBody(t, 'p').Positions[0], Price: '500' }] }, 9],
    ['price huge', { Positions: [{ ...saleBody(t, 'p').Positions[0], Price: 1e308 }] }, 9],
    ['count string', { Positions: [{ ...saleBody(t, 'p').Positions[0], Count: '1' }] }, 9],
    ['tax type string', { Positions: [{ ...saleBody(t, 'p').Positions[0], TaxType: '100' }] }, 9],
    ['unit code float', { Positions: [{ ...saleBody(t, 'p').Positions[0], UnitCode: 796.5 }] }, 9],
    ['sum negative', { Payments: [{ Sum: -500, PaymentType: 4 }] }, 9],
    ['external number number', { ExternalCheckNumber: 123 }, 9],
    ['external number object', { ExternalCheckNumber: { a: 1 } }, 9],
    ['change string', { Change: '0' }, 9],
    ['return basis string', { OperationType: 3, ReturnBasisDetails: 'x' }, 9],
    ['10 001 positions', { Positions: Array.from({ length: 10_001 }, () => saleBody(t, 'p').Positions[0]) }, 9],
    ['deep nesting', { Positions: [JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`)] }, 9],
  ]
  for (const [name, patch, code] of spoilt) {
    refusedWith(
      await post(url, '/api/v4/check', { ...saleBody(t, `w-${name.replace(/\W/g, '')}`), ...patch }),
      code,
      name,
    )
  }
  for (const [path, body] of [
    ['/api/v4/Check/History', { Token: t, CashboxUniqueNumber: CASHBOX, ShiftNumber: '1', Skip: 0, Take: 5 }],
    ['/api/v4/Check/History', { Token: t, CashboxUniqueNumber: CASHBOX, ShiftNumber: 1e300, Skip: 0, Take: 5 }],
    ['/api/v4/Cashbox/ShiftHistory', { Token: t, CashboxUniqueNumber: CASHBOX, Skip: -1, Take: 5 }],
    ['/api/v4/Cashbox/ShiftHistory', { Token: t, CashboxUniqueNumber: CASHBOX, Skip: 0, Take: '5' }],
    ['/api/v4/Check/HistoryByNumber', { Token: t, CashboxUniqueNumber: CASHBOX, ShiftNumber: 1, Number: 5 }],
    ['/api/v4/MoneyOperation', { Token: t, CashboxUniqueNumber: CASHBOX, OperationType: 0, Sum: '10' }],
    ['/api/v4/MoneyOperation', { Token: t, CashboxUniqueNumber: CASHBOX, OperationType: 7, Sum: 10 }],
    ['/api/v4/MoneyOperation', { Token: t, CashboxUniqueNumber: CASHBOX, OperationType: 0, Sum: 0 }],
  ] as const) {
    refusedWith(await post(url, path, body), 9, `${path} ${JSON.stringify(body)}`)
  }
})

test('unknown paths and methods are Webkassa-style 404s; control routes refuse garbage with their own 400', async () => {
  const unknown = await post(url, '/api/v4/Nope', { Token: t })
  assert.equal(unknown.status, 404)
  assert.deepEqual(codesOf(unknown), [9])
  const get = await fetch(`${url}/api/v4/check`)
  assert.equal(get.status, 404)
  const garbage = await fetch(`${url}/__sim/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"advanceMs":',
  })
  assert.equal(garbage.status, 400)
  assert.equal(typeof (await garbage.json()).error.code, 'string')
})

test('after all of it nothing was recorded, no call answered 5xx, and a valid sale still goes through', async () => {
  const inspection = await control(url, 'GET', '/__sim/receipts')
  assert.equal(inspection.receipts.total, 0)
  const { requests } = await control(url, 'GET', '/__sim/requests?limit=1000')
  assert.ok(requests.length > 40)
  assert.deepEqual(
    requests.filter((r: { status: number }) => r.status >= 500),
    [],
  )
  const sale = await post(url, '/api/v4/check', saleBody(t, 'after-all'))
  assert.equal(sale.json.Data.CheckOrderNumber, 1)
})
