import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, test } from 'node:test'
import { createWebkassaClient, type WebkassaHttpClientOptions } from '../src/index.ts'

/**
 * Two tiny fake Webkassa hosts answering what each test sets and recording what they were sent: the client's
 * reading of answers the simulator never gives (Errors of the wrong shape, a bare 500, a 3xx) and its exact requests.
 */
interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: unknown
}
type Answer = (response: ServerResponse) => void

const API_KEY = 'api-key-SECRET-1234'
const TOKEN = 'token-SECRET-abcdef0123456789'
const PASSWORD = 'password-SECRET-9876'

function fakeHost() {
  const host = {
    seen: [] as Seen[],
    answer: json(200, { Data: {} }) as Answer,
    server: undefined as unknown as Server,
    host: '',
  }
  host.server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString()
      host.seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: JSON.parse(text) })
      host.answer(response)
    })
  })
  return host
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return (response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}

const primary = fakeHost()
const alternative = fakeHost()

before(async () => {
  for (const host of [primary, alternative]) {
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve))
    host.host = `127.0.0.1:${(host.server.address() as AddressInfo).port}`
  }
})
after(async () => {
  for (const host of [primary, alternative]) {
    host.server.closeAllConnections()
    await new Promise<void>((resolve) => host.server.close(() => resolve()))
  }
})
beforeEach(() => {
  primary.seen.length = 0
  alternative.seen.length = 0
})

function client(options: Partial<WebkassaHttpClientOptions> = {}) {
  return createWebkassaClient({ baseUrl: `http://${primary.host}/`, apiKey: API_KEY, timeoutMs: 1000, ...options })
}

const RECEIPT = {
  CheckNumber: '1234567890',
  DateTime: '01.02.2026 10:00:00',
  OfflineMode: false,
  CashboxOfflineMode: false,
  CheckOrderNumber: 1,
  ShiftNumber: 7,
  TicketUrl: 'https://ofd.example/t/1',
  Cashbox: { UniqueNumber: 'SWK00000001', RegistrationNumber: '1', IdentityNumber: '1' },
}
const CHECK = {
  CashboxUniqueNumber: 'SWK00000001',
  OperationType: 2 as const,
  Positions: [
    { Count: 1, Price: 500, TaxPercent: 16, Tax: 68.97, TaxType: 100 as const, PositionName: 'Билет', UnitCode: 796 },
  ],
  Payments: [{ Sum: 500, PaymentType: 4 as const }],
  ExternalCheckNumber: 's-1-1',
}

function noSecretIn(value: unknown) {
  const text = JSON.stringify(value) ?? String(value)
  for (const secret of [API_KEY, TOKEN, PASSWORD]) assert.ok(!text.includes(secret), `a secret leaked into ${text}`)
}

test('every call is a POST of PascalCase JSON to its v4 path, x-api-key in the header, the token in the body', async () => {
  const c = client()
  try {
    primary.answer = json(200, { Data: { ...RECEIPT, Token: 'x', List: [] } })
    await c.authorize('demo@kokdala.kz', PASSWORD)
    await c.check(TOKEN, CHECK)
    await c.xReport(TOKEN, 'SWK00000001')
    await c.zReport(TOKEN, 'SWK00000001')
    await c.cashboxes(TOKEN)
    await c.shiftHistory(TOKEN, 'SWK00000001', { skip: 0, take: 50 })
    await c.checkHistory(TOKEN, 'SWK00000001', 7, { skip: 50, take: 10 })
    await c.ticketByExternalNumber(TOKEN, 'SWK00000001', 's-1-1', 7)
    await c.checkHistoryByNumber(TOKEN, 'SWK00000001', '1234567890', 7)
    await c.moneyOperation(TOKEN, {
      CashboxUniqueNumber: 'SWK00000001',
      OperationType: 0,
      Sum: 100,
      ExternalCheckNumber: 'm-1',
    })
    assert.deepEqual(
      primary.seen.map((s) => `${s.method} ${s.url}`),
      [
        'POST /api/v4/Authorize',
        'POST /api/v4/check',
        'POST /api/v4/XReport',
        'POST /api/v4/ZReport',
        'POST /api/v4/Cashboxes',
        'POST /api/v4/Cashbox/ShiftHistory',
        'POST /api/v4/Check/History',
        'POST /api-history/v4/Ticket/GetTicketByExternalCheckNumber',
        'POST /api/v4/Check/HistoryByNumber',
        'POST /api/v4/MoneyOperation',
      ],
    )
    for (const seen of primary.seen) {
      assert.equal(seen.headers['x-api-key'], API_KEY)
      assert.match(String(seen.headers['content-type']), /^application\/json/)
      assert.equal(seen.headers.authorization, undefined, 'the token never goes in a header')
    }
    assert.deepEqual(primary.seen[0]!.body, { Login: 'demo@kokdala.kz', Password: PASSWORD })
    assert.deepEqual(primary.seen[1]!.body, { Token: TOKEN, ...CHECK })
    assert.deepEqual(primary.seen[2]!.body, { Token: TOKEN, CashboxUniqueNumber: 'SWK00000001' })
    assert.deepEqual(primary.seen[4]!.body, { Token: TOKEN })
    assert.deepEqual(primary.seen[6]!.body, {
      Token: TOKEN,
      CashboxUniqueNumber: 'SWK00000001',
      ShiftNumber: 7,
      Skip: 50,
      Take: 10,
    })
    assert.deepEqual(primary.seen[7]!.body, {
      Token: TOKEN,
      CashboxUniqueNumber: 'SWK00000001',
      ExternalCheckNumber: 's-1-1',
      ShiftNumber: 7,
    })
  } finally {
    await c.close()
  }
})

test('Data alone is ok; Errors with HTTP 200 are errors, with the Data kept when both come (code 14)', async () => {
  const c = client()
  try {
    primary.answer = json(200, { Data: RECEIPT })
    assert.deepEqual(await c.check(TOKEN, CHECK), { kind: 'ok', data: RECEIPT })

    primary.answer = json(200, { Errors: [{ Code: 2, Text: 'Срок действия сессии истек' }] })
    assert.deepEqual(await c.check(TOKEN, CHECK), {
      kind: 'errors',
      errors: [{ Code: 2, Text: 'Срок действия сессии истек' }],
    })

    primary.answer = json(200, { Data: RECEIPT, Errors: [{ Code: 14, Text: 'Дублирующийся код' }] })
    assert.deepEqual(await c.check(TOKEN, CHECK), {
      kind: 'errors',
      errors: [{ Code: 14, Text: 'Дублирующийся код' }],
      data: RECEIPT,
    })

    // Several errors come as they are: 14 must not hide a 9 beside it.
    primary.answer = json(200, { Errors: [{ Code: 14 }, { Code: 9, Text: 'x' }] })
    assert.deepEqual(await c.check(TOKEN, CHECK), {
      kind: 'errors',
      errors: [
        { Code: 14, Text: '' },
        { Code: 9, Text: 'x' },
      ],
    })

    // An error answered with a 4xx is still Webkassa's error, classified by its code.
    primary.answer = json(401, { Errors: [{ Code: 3, Text: 'Пользователь не авторизован' }] })
    const refused = await c.cashboxes(TOKEN)
    assert.equal(refused.kind, 'errors')
  } finally {
    await c.close()
  }
})

test('HTTP 5xx, a body that is not JSON, an empty body or a broken envelope are unknown, never ok or errors', async () => {
  const c = client()
  try {
    const cases: [Answer, object][] = [
      [json(500, { Errors: [{ Code: -1, Text: 'x' }] }), { kind: 'unknown', reason: 'http_status', status: 500 }],
      [json(503, ''), { kind: 'unknown', reason: 'http_status', status: 503 }],
      [json(200, '<html>502 Bad Gateway</html>'), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, ''), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, '{"Data":'), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, []), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, { Errors: 'bad' }), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, { Errors: [{ Code: '2' }] }), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(200, { Errors: [] }), { kind: 'unknown', reason: 'malformed', status: 200 }],
      // A receipt without its fiscal number is no receipt we could store.
      [json(200, { Data: { ShiftNumber: 1 } }), { kind: 'unknown', reason: 'malformed', status: 200 }],
      [json(302, ''), { kind: 'unknown', reason: 'http_status', status: 302 }],
    ]
    for (const [answer, expected] of cases) {
      primary.answer = answer
      assert.deepEqual(await c.check(TOKEN, CHECK), expected)
    }
    primary.answer = json(200, { Data: { Token: '' } })
    assert.deepEqual(await c.authorize('a', PASSWORD), { kind: 'unknown', reason: 'malformed', status: 200 })
  } finally {
    await c.close()
  }
})

test('no answer in time is unknown/timeout; a connection cut without an answer is unknown/network', async () => {
  const c = client({ timeoutMs: 200 })
  try {
    primary.answer = () => {} // never answers
    assert.deepEqual(await c.check(TOKEN, CHECK), { kind: 'unknown', reason: 'timeout' })
    primary.answer = (response) => response.socket?.destroy()
    assert.deepEqual(await c.check(TOKEN, CHECK), { kind: 'unknown', reason: 'network' })
    // Nothing is retried: one request each, the receipt may exist and is the caller's to look up.
    assert.equal(primary.seen.length, 2)
  } finally {
    await c.close()
  }
})

test('code 505 is retried once, same path and body, on the first listed host that failoverHosts allows', async () => {
  const c = client({ failoverHosts: [alternative.host] })
  try {
    primary.answer = json(
      200,
      { Errors: [{ Code: 505, Text: 'Сервис временно недоступен' }] },
      { AlternativeDomainNames: `evil.example, ${alternative.host}` },
    )
    alternative.answer = json(200, { Data: RECEIPT })
    assert.deepEqual(await c.check(TOKEN, CHECK), { kind: 'ok', data: RECEIPT })
    assert.equal(primary.seen.length, 1)
    assert.equal(alternative.seen.length, 1)
    assert.equal(alternative.seen[0]!.url, '/api/v4/check')
    assert.deepEqual(alternative.seen[0]!.body, primary.seen[0]!.body)
    assert.equal(alternative.seen[0]!.headers['x-api-key'], API_KEY)
  } finally {
    await c.close()
  }
})

test('a 505 that names only hosts we do not allow, or another scheme, is answered as the errors, sent nowhere', async () => {
  for (const [allowed, header] of [
    [[], alternative.host],
    [['evil.example'], alternative.host],
    [[alternative.host], `https://${alternative.host}`],
    [[alternative.host], `${alternative.host}/path`],
    [[alternative.host], `user@${alternative.host}`],
    [[alternative.host.split(':')[0]!], alternative.host], // the host without the port is another host
  ] as [string[], string][]) {
    alternative.seen.length = 0
    primary.seen.length = 0
    const c = client({ failoverHosts: allowed })
    try {
      primary.answer = json(200, { Errors: [{ Code: 505, Text: 'x' }] }, { AlternativeDomainNames: header })
      const result = await c.check(TOKEN, CHECK)
      assert.deepEqual(result, { kind: 'errors', errors: [{ Code: 505, Text: 'x' }] }, `${allowed} / ${header}`)
      assert.equal(alternative.seen.length, 0, `${allowed} / ${header}`)
      assert.equal(primary.seen.length, 1)
    } finally {
      await c.close()
    }
  }
})

test('the failover is bounded: a 505 from the alternative host is the answer, no third try', async () => {
  const c = client({ failoverHosts: [alternative.host, primary.host] })
  try {
    primary.answer = json(200, { Errors: [{ Code: 505, Text: 'a' }] }, { AlternativeDomainNames: alternative.host })
    alternative.answer = json(200, { Errors: [{ Code: 505, Text: 'b' }] }, { AlternativeDomainNames: primary.host })
    assert.deepEqual(await c.check(TOKEN, CHECK), { kind: 'errors', errors: [{ Code: 505, Text: 'b' }] })
    assert.equal(primary.seen.length, 1)
    assert.equal(alternative.seen.length, 1)
    assert.deepEqual(c.stats().check, { '200': 2 })
  } finally {
    await c.close()
  }
})

test('no result and no refusal of bad input carries the token, the password or the API key', async () => {
  const c = client({ timeoutMs: 200 })
  try {
    const results: unknown[] = []
    for (const answer of [
      json(200, { Data: RECEIPT }),
      json(200, { Errors: [{ Code: 3, Text: 'x' }] }),
      json(500, 'boom'),
      json(200, 'nope'),
      (response: ServerResponse) => response.socket?.destroy(),
      () => {},
    ]) {
      primary.answer = answer
      results.push(await c.check(TOKEN, CHECK), await c.authorize('demo', PASSWORD))
    }
    noSecretIn(results)
    for (const bad of [
      () => c.checkHistory(TOKEN, 'SWK00000001', 1, { skip: 0, take: 51 }),
      () => c.shiftHistory(TOKEN, 'SWK00000001', { skip: -1, take: 1 }),
    ]) {
      assert.throws(bad, (error: Error) => {
        assert.ok(error instanceof RangeError)
        noSecretIn(`${error.message} ${error.stack}`)
        return true
      })
    }
  } finally {
    await c.close()
  }
})

test('a client without an API key or with another scheme is refused at construction', () => {
  assert.throws(() => createWebkassaClient({ baseUrl: 'http://127.0.0.1:1', apiKey: '' }), RangeError)
  assert.throws(
    () => createWebkassaClient({ baseUrl: 'ftp://127.0.0.1:1', apiKey: API_KEY }),
    (error: Error) => {
      noSecretIn(error.message)
      return error instanceof RangeError
    },
  )
})
