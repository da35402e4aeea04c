import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { startService } from '@kokdala/core'
import { freePort } from '@kokdala/core/testing'
import { WEBKASSA_SIM_DEMO, webkassaSimulatorFromEnv, webkassaSimulatorService } from '../src/index.ts'
import { CASHBOX, codesOf, control, DEMO, type Json, post, saleBody, startWebkassaSimulator, token } from './helpers.ts'

/** Behaviour the contract suite does not reach through the client: raw requests, switches, configuration. */
describe('the Webkassa simulator', () => {
  let sim: Awaited<ReturnType<typeof startWebkassaSimulator>>
  let url: string
  before(async () => {
    sim = await startWebkassaSimulator()
    url = sim.url
  })
  after(() => sim.close())
  beforeEach(() => control(url, 'POST', '/__sim/reset'))

  test('a missing or unknown x-api-key is refused (HTTP 401, code 4 by default; both switchable)', async () => {
    for (const headers of [{}, { 'x-api-key': 'nope' }, { 'x-api-key': DEMO.apiKey.toUpperCase() }] as Record<
      string,
      string
    >[]) {
      const answer = await post(url, '/api/v4/Authorize', { Login: DEMO.login, Password: DEMO.password }, headers)
      assert.equal(answer.status, 401)
      assert.deepEqual(codesOf(answer), [4])
    }
    await control(url, 'POST', '/__sim/faults', { apiKeyErrorStatus: 200, apiKeyErrorCode: -1 })
    const answer = await post(url, '/api/v4/Cashboxes', { Token: 'x' }, {})
    assert.equal(answer.status, 200)
    assert.deepEqual(codesOf(answer), [-1])
    assert.equal((await control(url, 'GET', '/__sim/receipts')).authorize.total, 0, 'refused before Authorize')
  })

  test('errors come as HTTP 200 with Errors[] and Russian texts', async () => {
    const answer = await post(url, '/api/v4/Authorize', { Login: DEMO.login, Password: 'wrong' })
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.json, { Errors: [{ Code: 1, Text: 'Неверный логин и/или пароль' }] })
  })

  test('fields and paths bind whatever their case, as ASP.NET does', async () => {
    const auth = await post(url, '/api/v4/authorize', { login: DEMO.login, PASSWORD: DEMO.password })
    const t = auth.json.Data.Token
    const body = saleBody(t, 'case-1') as Record<string, unknown>
    const lower = Object.fromEntries(Object.entries(body).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v]))
    const answer = await post(url, '/api/v4/Check', lower)
    assert.equal(answer.json.Data.ShiftNumber, 1)
  })

  test('with invalidatePreviousTokens off, older tokens keep working', async () => {
    await control(url, 'POST', '/__sim/faults', { invalidatePreviousTokens: false })
    const first = await token(url)
    await token(url)
    assert.equal((await post(url, '/api/v4/Cashboxes', { Token: first })).json.Data.List.length, 3)
  })

  test('a token older than its TTL is code 2 (simulated time)', async () => {
    await control(url, 'POST', '/__sim/faults', { tokenTtlMs: 3_600_000 })
    const t = await token(url)
    await control(url, 'POST', '/__sim/clock', { advanceMs: 3_599_000 })
    assert.deepEqual(codesOf(await post(url, '/api/v4/Cashboxes', { Token: t })), [])
    await control(url, 'POST', '/__sim/clock', { advanceMs: 1_000 })
    assert.deepEqual(codesOf(await post(url, '/api/v4/Cashboxes', { Token: t })), [2])
  })

  test('cashbox refusals in Webkassa’s order: no access 5, blocked 7, not activated 10', async () => {
    const t = await token(url)
    await control(url, 'POST', `/__sim/cashboxes/SWK00000002/access`, { login: DEMO.login, granted: false })
    assert.deepEqual(codesOf(await post(url, '/api/v4/check', saleBody(t, 'a-1', 'SWK00000002'))), [5])
    await control(url, 'PATCH', '/__sim/cashboxes/SWK00000003', { blocked: true, activated: false })
    assert.deepEqual(codesOf(await post(url, '/api/v4/check', saleBody(t, 'a-2', 'SWK00000003'))), [7])
    await control(url, 'PATCH', '/__sim/cashboxes/SWK00000003', { blocked: false })
    assert.deepEqual(codesOf(await post(url, '/api/v4/check', saleBody(t, 'a-3', 'SWK00000003'))), [10])
    const list = (await post(url, '/api/v4/Cashboxes', { Token: t })).json.Data.List
    assert.deepEqual(
      list.map((c: { UniqueNumber: string; CurrentStatus: number }) => [c.UniqueNumber, c.CurrentStatus]),
      [
        ['SWK00000001', 1],
        ['SWK00000003', 0],
      ],
    )
    assert.equal((await control(url, 'GET', '/__sim/receipts')).receipts.total, 0)
  })

  test('receipt validation: VAT off by more than a tiyn, short payments, change from a card, long numbers → 9', async () => {
    const t = await token(url)
    const cases: [string, (body: Json) => void][] = [
      ['tax', (b) => (b.Positions[0].Tax = 68.95)],
      ['negative tax', (b) => (b.Positions[0].Tax = -68.97)],
      ['no VAT with a tax', (b) => Object.assign(b.Positions[0], { TaxType: 0 })],
      ['three decimals', (b) => (b.Positions[0].Price = 500.001)],
      ['short', (b) => (b.Payments[0].Sum = 499.99)],
      ['card change', (b) => (b.Payments = [{ Sum: 600, PaymentType: 1 }])],
      ['unknown payment type', (b) => (b.Payments[0].PaymentType = 7)],
      ['51 characters', (b) => (b.ExternalCheckNumber = 'x'.repeat(51))],
      ['non-ASCII number', (b) => (b.ExternalCheckNumber = 'чек-1')],
      ['no positions', (b) => (b.Positions = [])],
      ['operation type', (b) => (b.OperationType = 5)],
      ['count', (b) => (b.Positions[0].Count = 0)],
    ]
    for (const [name, spoil] of cases) {
      const body = saleBody(t, `v-${name.replace(/\W/g, '')}`)
      spoil(body)
      const answer = await post(url, '/api/v4/check', body)
      assert.equal(answer.status, 200, name)
      assert.deepEqual(codesOf(answer), [9], `${name}: ${answer.text}`)
    }
    const tolerated = saleBody(t, 'v-ok')
    tolerated.Positions[0]!.Tax = 68.96 // one tiyn off: other rounding, accepted
    assert.equal((await post(url, '/api/v4/check', tolerated)).json.Data.CheckOrderNumber, 1)
    const cash = saleBody(t, 'v-cash')
    cash.Payments = [{ Sum: 1000, PaymentType: 0 }]
    assert.ok((await post(url, '/api/v4/check', { ...cash, Change: 500 })).json.Data.CheckNumber)
    assert.equal((await control(url, 'GET', '/__sim/receipts')).receipts.total, 2)
  })

  test('lookups: Take over 50 is 9, a lookup without ShiftNumber is 9, another shift 16, nowhere 19, no shift 15', async () => {
    const t = await token(url)
    const receipt = (await post(url, '/api/v4/check', saleBody(t, 'l-1'))).json.Data
    const history = (body: object) =>
      post(url, '/api/v4/Check/History', { Token: t, CashboxUniqueNumber: CASHBOX, ...body })
    assert.deepEqual(codesOf(await history({ ShiftNumber: 1, Skip: 0, Take: 51 })), [9])
    assert.equal((await history({ ShiftNumber: 1, Skip: 0, Take: 50 })).json.Data.Items[0].ExternalCheckNumber, 'l-1')
    assert.deepEqual(codesOf(await history({ ShiftNumber: 9, Skip: 0, Take: 5 })), [15])
    const ticket = (body: object) =>
      post(url, '/api-history/v4/Ticket/GetTicketByExternalCheckNumber', {
        Token: t,
        CashboxUniqueNumber: CASHBOX,
        ...body,
      })
    assert.deepEqual(codesOf(await ticket({ ExternalCheckNumber: 'l-1' })), [9])
    assert.equal(
      (await ticket({ ExternalCheckNumber: 'l-1', ShiftNumber: 1 })).json.Data.CheckNumber,
      receipt.CheckNumber,
    )
    assert.deepEqual(codesOf(await ticket({ ExternalCheckNumber: 'nope', ShiftNumber: 1 })), [19])
    await post(url, '/api/v4/ZReport', { Token: t, CashboxUniqueNumber: CASHBOX })
    await post(url, '/api/v4/check', saleBody(t, 'l-2'))
    assert.deepEqual(codesOf(await ticket({ ExternalCheckNumber: 'l-1', ShiftNumber: 2 })), [16])
    const byNumber = await post(url, '/api/v4/Check/HistoryByNumber', {
      Token: t,
      CashboxUniqueNumber: CASHBOX,
      Number: receipt.CheckNumber,
      ShiftNumber: 2,
    })
    assert.deepEqual(codesOf(byNumber), [16])
  })

  test('a shift opened 23 h 50 min ago still takes receipts; past 24 h it is 11 for receipts and cash alike', async () => {
    let t = await token(url)
    await post(url, '/api/v4/check', saleBody(t, 's-1'))
    await control(url, 'POST', '/__sim/clock', { advanceMs: (23 * 60 + 50) * 60_000 })
    assert.deepEqual(codesOf(await post(url, '/api/v4/check', saleBody(t, 's-2'))), [])
    await control(url, 'POST', '/__sim/clock', { advanceMs: 11 * 60_000 })
    t = await token(url) // the first token is a day old now
    assert.deepEqual(codesOf(await post(url, '/api/v4/check', saleBody(t, 's-3'))), [11])
    const money = { Token: t, CashboxUniqueNumber: CASHBOX, OperationType: 0, Sum: 10, ExternalCheckNumber: 'm-1' }
    assert.deepEqual(codesOf(await post(url, '/api/v4/MoneyOperation', money)), [11])
    const x = await post(url, '/api/v4/XReport', { Token: t, CashboxUniqueNumber: CASHBOX })
    assert.equal(x.json.Data.DocumentCount, 2, 'an X report still reads the old shift')
  })

  test('a Z report carries the running totals of the shift', async () => {
    const t = await token(url)
    await post(url, '/api/v4/MoneyOperation', {
      Token: t,
      CashboxUniqueNumber: CASHBOX,
      OperationType: 0,
      Sum: 100,
      ExternalCheckNumber: 'm-in',
    })
    await post(url, '/api/v4/check', saleBody(t, 'z-1'))
    const cash = saleBody(t, 'z-2')
    cash.Payments = [{ Sum: 1000, PaymentType: 0 }]
    await post(url, '/api/v4/check', cash)
    const z = (await post(url, '/api/v4/ZReport', { Token: t, CashboxUniqueNumber: CASHBOX })).json.Data
    assert.equal(z.DocumentCount, 3)
    assert.equal(z.PutMoneySum, 100)
    assert.equal(z.SumInCashbox, 600)
    assert.equal(z.Sell.Count, 2)
    assert.equal(z.Sell.TotalCount, 1000)
    assert.equal(z.Sell.VAT, 137.94)
    assert.equal(z.Sell.Change, 500)
    assert.deepEqual(z.Sell.PaymentsByTypesApiModel, [
      { Type: 4, Sum: 500 },
      { Type: 0, Sum: 1000 },
    ])
    assert.equal(z.EndNonNullable.Sell, 1000)
    assert.equal(z.StartNonNullable.Sell, 0)
  })

  test('a repeated MoneyOperation external number is 14 and moves no cash', async () => {
    const t = await token(url)
    const money = { Token: t, CashboxUniqueNumber: CASHBOX, OperationType: 0, Sum: 100, ExternalCheckNumber: 'm-2' }
    assert.equal((await post(url, '/api/v4/MoneyOperation', money)).json.Data.Sum, 100)
    assert.deepEqual(codesOf(await post(url, '/api/v4/MoneyOperation', money)), [14])
    const x = await post(url, '/api/v4/XReport', { Token: t, CashboxUniqueNumber: CASHBOX })
    assert.equal(x.json.Data.SumInCashbox, 100)
  })

  test('injected 5xx is an HTML page and records nothing; malformed answers are carried out and cut', async () => {
    const t = await token(url)
    await control(url, 'PUT', '/__sim/operations/check', { status: 502 })
    const bad = await post(url, '/api/v4/check', saleBody(t, 'f-1'))
    assert.equal(bad.status, 502)
    assert.match(bad.text, /<html>/)
    await control(url, 'DELETE', '/__sim/operations/check')
    await control(url, 'POST', '/__sim/faults', { answer: 'malformed' })
    const cut = await post(url, '/api/v4/check', saleBody(t, 'f-2'))
    assert.equal(cut.status, 200)
    assert.equal(cut.json, undefined, `not JSON: ${cut.text}`)
    const counts = (await control(url, 'GET', '/__sim/receipts')).receipts.byExternalNumber
    assert.deepEqual(counts['f-1'], undefined)
    assert.deepEqual(counts['f-2'], { receipts: 1, attempts: 1 })
  })

  test('commitThenDropRate drops that share of successful receipts after recording them', async () => {
    await sim.close()
    const draws = [0.05, 0.5, 0.05, 0.9]
    sim = await startWebkassaSimulator({ random: () => draws.shift() ?? 1, initialFaults: { commitThenDropRate: 0.1 } })
    url = sim.url
    const t = await token(url)
    const outcomes: string[] = []
    for (let i = 1; i <= 4; i++) {
      outcomes.push(
        await post(url, '/api/v4/check', saleBody(t, `r-${i}`)).then(
          (answer) => String(answer.status),
          () => 'dropped',
        ),
      )
    }
    assert.deepEqual(outcomes, ['dropped', '200', 'dropped', '200'])
    assert.equal((await control(url, 'GET', '/__sim/receipts')).receipts.total, 4)
  })

  test('control routes refuse a misspelt field and unknown things with 4xx', async () => {
    for (const [method, path, body, status] of [
      ['POST', '/__sim/clock', { advance: 1 }, 400],
      ['POST', '/__sim/faults', { duplicateWithDta: true }, 400],
      ['POST', '/__sim/faults', { repeatZReportCode: 14 }, 400],
      ['PATCH', '/__sim/cashboxes/NOPE', { blocked: true }, 404],
      ['POST', '/__sim/accounts/nobody/expire-token', undefined, 404],
      ['POST', '/__sim/cashboxes', { uniqueNumber: CASHBOX }, 409],
      ['POST', '/__sim/commit-then-drop', { next: 1, operation: 'authorize' }, 400],
    ] as const) {
      const answer = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      assert.equal(answer.status, status, `${method} ${path}`)
      assert.equal(typeof (await answer.json()).error.code, 'string')
    }
  })

  test('reset puts accounts, cashboxes, receipts, the clock and the switches back', async () => {
    const t = await token(url)
    await post(url, '/api/v4/check', saleBody(t, 'x-1'))
    await control(url, 'POST', '/__sim/clock', { advanceMs: 1000 })
    await control(url, 'POST', '/__sim/faults', { duplicateWithData: true })
    await control(url, 'POST', '/__sim/reset')
    assert.equal((await control(url, 'GET', '/__sim/clock')).offsetMs, 0)
    assert.equal((await control(url, 'GET', '/__sim/faults')).duplicateWithData, false)
    const inspection = await control(url, 'GET', '/__sim/receipts')
    assert.deepEqual(inspection.receipts.total, 0)
    assert.deepEqual(inspection.authorize, { total: 0, byLogin: { [DEMO.login]: 0 } })
    assert.deepEqual(codesOf(await post(url, '/api/v4/Cashboxes', { Token: t })), [3], 'old tokens are gone')
  })
})

test('the environment names the demo account, keys and cashboxes; defaults are the documented demo ones', () => {
  const defaults = webkassaSimulatorFromEnv({})
  assert.equal(defaults.port, 9004)
  assert.deepEqual(defaults.options.apiKeys, [WEBKASSA_SIM_DEMO.apiKey])
  assert.deepEqual(defaults.options.accounts, [
    {
      login: 'demo@kokdala.kz',
      password: WEBKASSA_SIM_DEMO.password,
      cashboxes: ['SWK00000001', 'SWK00000002', 'SWK00000003'],
    },
  ])
  const custom = webkassaSimulatorFromEnv({
    WEBKASSA_SIM_PORT: '9555',
    WEBKASSA_SIM_API_KEYS: 'k1,k2',
    WEBKASSA_SIM_LOGIN: 'shop@example.kz',
    WEBKASSA_SIM_PASSWORD: 'p',
    WEBKASSA_SIM_CASHBOXES: 'A1,B2',
    WEBKASSA_SIM_TOKEN_TTL_MS: '0',
    WEBKASSA_SIM_CASHBOX_LATENCY_MS: '50',
  })
  assert.equal(custom.url, 'http://127.0.0.1:9555')
  assert.deepEqual(custom.options.apiKeys, ['k1', 'k2'])
  assert.deepEqual(custom.options.cashboxes, ['A1', 'B2'])
  assert.deepEqual(custom.options.initialFaults, { tokenTtlMs: 0, cashboxLatencyMs: 50 })
  assert.throws(() => webkassaSimulatorFromEnv({ WEBKASSA_SIM_CASHBOXES: 'A1,,B2' }))
  const env: Record<string, string | undefined> = { WEBKASSA_SIM_PORT: '9555' }
  webkassaSimulatorService.wire?.(env, new Set(['webkassa', 'fiscal']))
  assert.equal(env.WEBKASSA_SIMULATOR_URL, 'http://127.0.0.1:9555')
  assert.equal(env.FISCAL_WEBKASSA_URL, 'http://127.0.0.1:9555')
  assert.equal(env.FISCAL_WEBKASSA_API_KEY, 'demo-integrator-key')
  assert.equal(env.FISCAL_WEBKASSA_LOGIN, 'demo@kokdala.kz')
  assert.equal(env.FISCAL_WEBKASSA_PASSWORD, 'demo-password')
  const chosen: Record<string, string | undefined> = { FISCAL_WEBKASSA_URL: 'https://devkkm.webkassa.kz' }
  webkassaSimulatorService.wire?.(chosen, new Set(['webkassa', 'fiscal']))
  assert.equal(chosen.FISCAL_WEBKASSA_URL, 'https://devkkm.webkassa.kz', 'the environment wins')
})

test('the descriptor starts the simulator as `kokdala start` does, with the demo account', async () => {
  const started = await startService(webkassaSimulatorService, { env: { WEBKASSA_SIM_PORT: String(await freePort()) } })
  try {
    const answer = await post(started.url, '/api/v4/Authorize', { Login: DEMO.login, Password: DEMO.password })
    assert.match(answer.json.Data.Token, /^[0-9a-f]{32}$/)
  } finally {
    await started.close()
  }
})

test('with control routes off (a shared fixture) only /__sim/health answers; the API works as before', async () => {
  const sim = await startWebkassaSimulator({ controlRoutes: false })
  try {
    assert.equal((await fetch(`${sim.url}/__sim/health`)).status, 200)
    for (const path of ['/__sim/receipts', '/__sim/faults', '/__sim/cashboxes', '/__sim/clock']) {
      assert.equal((await fetch(`${sim.url}${path}`)).status, 404, path)
    }
    const reset = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' })
    assert.equal(reset.status, 404)
    const t = await token(sim.url)
    assert.equal((await post(sim.url, '/api/v4/check', saleBody(t, 'c-1'))).json.Data.ShiftNumber, 1)
  } finally {
    await sim.close()
  }
})
