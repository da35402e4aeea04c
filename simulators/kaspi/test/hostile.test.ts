import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { buildKaspiSimulatorApp, type KaspiSimulatorApp } from '../src/app.ts'

let app: KaspiSimulatorApp
before(async () => {
  app = await buildKaspiSimulatorApp({ terminals: [{ id: '1', accessToken: 'tok' }] })
})
after(() => app.close())

const token = { accesstoken: 'tok' }
const long = 'x'.repeat(10_000)

test('hostile requests to the terminal API get the envelope with a non-zero statusCode, never a 500', async () => {
  const urls = [
    '/terminals/1/v2/payment',
    '/terminals/1/v2/payment?amount=',
    '/terminals/1/v2/payment?amount=abc',
    '/terminals/1/v2/payment?amount=-5',
    '/terminals/1/v2/payment?amount=0',
    '/terminals/1/v2/payment?amount=12469.13',
    '/terminals/1/v2/payment?amount=1e5',
    '/terminals/1/v2/payment?amount=99999999999999999999',
    '/terminals/1/v2/payment?amount=1&amount=2',
    `/terminals/1/v2/payment?amount=${long}`,
    '/terminals/1/v2/payment?amount[__proto__]=1',
    '/terminals/1/v2/status',
    '/terminals/1/v2/status?processId=',
    `/terminals/1/v2/status?processId=${long}`,
    '/terminals/1/v2/status?processId=__proto__',
    '/terminals/1/v2/status?processId=constructor',
    '/terminals/1/v2/actualize?processId=%00',
    '/terminals/1/v2/cancel?processId=%E2%82',
    '/terminals/1/v2/refund',
    '/terminals/1/v2/refund?method=cash&amount=1&transactionId=1',
    '/terminals/1/v2/refund?method=qr&amount=1.5&transactionId=1',
    '/terminals/1/v2/refund?method=qr&amount=1',
    '/terminals/1/v2/refund?method=toString&amount=1&transactionId=constructor',
    `/terminals/${long}/v2/deviceinfo`,
    '/terminals/__proto__/v2/payment?amount=1',
    '/terminals/constructor/v2/status?processId=1',
    '/terminals/../v2/payment?amount=1',
    '/terminals/1/v2/unknown',
    '/terminals/1/v3/payment?amount=1',
    '/terminals/%FF/v2/payment?amount=1',
  ]
  for (const url of urls) {
    const response = await app.inject({ method: 'GET', url, headers: token })
    assert.ok(response.statusCode >= 200 && response.statusCode < 500, `${url.slice(0, 80)}: ${response.statusCode}`)
    const body = response.json()
    assert.equal(typeof body.statusCode, 'number', url.slice(0, 80))
    assert.notEqual(body.statusCode, 0, url.slice(0, 80))
    assert.equal(typeof body.errorText, 'string', url.slice(0, 80))
    assert.ok(body.errorText.length <= 300, url.slice(0, 80))
  }
  // None of it started anything.
  assert.equal(app.kaspi.store.terminal('1')!.processes.size, 0)
})

test('other methods and bodies on terminal paths are refused in the envelope', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    const response = await app.inject({
      method,
      url: '/terminals/1/v2/payment?amount=100',
      headers: { 'content-type': 'application/json' },
      payload: '{"amount": 100',
    })
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${method}: ${response.statusCode}`)
    assert.notEqual(response.json().statusCode, 0)
  }
  assert.equal(app.kaspi.store.terminal('1')!.processes.size, 0)
})

test('a wrong, missing, huge or doubled access token is 401 in the envelope', async () => {
  for (const headers of [
    {},
    { accesstoken: 'nope' },
    { accesstoken: long },
    { accesstoken: '' },
    { accesstoken: 'tok ' },
  ]) {
    for (const url of ['/terminals/1/v2/deviceinfo', '/terminals/1/v2/refund?method=qr&amount=1&transactionId=1']) {
      const response = await app.inject({ method: 'GET', url, headers })
      assert.equal(response.statusCode, 401, `${url} ${JSON.stringify(headers).slice(0, 40)}`)
      assert.equal(response.json().statusCode, 7)
    }
  }
})

test('hostile requests to the camera get {success:false}, never a 500', async () => {
  for (const url of [
    '/camera/scan-qr/1?timeout=abc',
    '/camera/scan-qr/1?timeout=-1',
    '/camera/scan-qr/1?timeout=1e3',
    `/camera/scan-qr/1?timeout=${long}`,
    '/camera/scan-qr/1?timeout=0',
    `/camera/scan-qr/${long}?timeout=0`,
    '/camera/scan-qr/__proto__?timeout=0',
    '/camera/scan-qr/?timeout=0',
    '/camera/nothing',
  ]) {
    const response = await app.inject({ method: 'GET', url })
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url.slice(0, 60)}: ${response.statusCode}`)
    assert.equal(response.json().success, false, url.slice(0, 60))
  }
  for (const id of [long, 'nope', '__proto__']) {
    const { statusCode } = await app.inject({ method: 'HEAD', url: `/camera/capture/${id}` })
    assert.ok(statusCode === 404 || statusCode === 414, `${id.slice(0, 20)}: ${statusCode}`)
  }
  assert.equal((await app.inject({ method: 'HEAD', url: '/camera/capture/1' })).statusCode, 200)
})

test('hostile control calls get a 4xx with a stable code, never a 500, and change nothing', async () => {
  const calls: [string, string, unknown][] = [
    ['POST', '/__sim/terminals', { id: '' }],
    ['POST', '/__sim/terminals', { id: long }],
    ['POST', '/__sim/terminals', { id: '../1' }],
    ['POST', '/__sim/terminals', { id: '1' }],
    ['POST', '/__sim/terminals', { id: 'x', accessToken: '' }],
    ['POST', '/__sim/terminals', { id: 'x', extra: true }],
    ['POST', '/__sim/terminals', { id: 5 }],
    ['POST', '/__sim/terminals', []],
    ['POST', '/__sim/terminals', '{"id":'],
    ['POST', '/__sim/terminals', '{"__proto__":{"id":"y"}}'],
    ['POST', '/__sim/terminals/1/pay', {}],
    ['POST', '/__sim/terminals/1/pay', { productType: 'Platinum' }],
    ['POST', '/__sim/terminals/1/pay', { amount: -1 }],
    ['POST', '/__sim/terminals/1/pay', { amount: 1.5 }],
    ['POST', '/__sim/terminals/1/pay', { amount: 1e20 }],
    ['POST', '/__sim/terminals/1/pay', { loanTerm: 'long' }],
    ['POST', '/__sim/terminals/nope/pay', {}],
    ['POST', `/__sim/terminals/${long}/fail`, {}],
    ['POST', '/__sim/terminals/1/fail', {}],
    ['POST', '/__sim/terminals/1/fail', { why: 1 }],
    ['POST', '/__sim/terminals/1/walk-away', { status: 'gone' }],
    ['POST', '/__sim/terminals/1/confirm-refund', {}],
    ['POST', '/__sim/terminals/1/latency', { latencyMs: -1 }],
    ['POST', '/__sim/terminals/1/latency', { latencyMs: 10_000_000 }],
    ['POST', '/__sim/terminals/1/latency', {}],
    ['POST', '/__sim/terminals/1/offline', { now: true }],
    ['GET', '/__sim/terminals/nope', undefined],
    ['GET', '/__sim/terminals/nope/transactions', undefined],
    ['POST', '/__sim/faults', { answer: 'lies' }],
  ]
  for (const [method, url, payload] of calls) {
    const response = await app.inject({
      method: method as 'POST',
      url,
      ...(payload === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
          }),
    })
    const label = `${method} ${url.slice(0, 50)} ${JSON.stringify(payload)?.slice(0, 40)}`
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${label}: ${response.statusCode}`)
    assert.equal(typeof response.json().error?.code, 'string', label)
  }
  const terminals = (await app.inject({ url: '/__sim/terminals' })).json().terminals
  assert.deepEqual(
    terminals.map((t: { id: string; state: string; latencyMs: number }) => [t.id, t.state, t.latencyMs]),
    [['1', 'idle', 0]],
  )
  assert.equal(app.kaspi.kit.faults.current.answer, 'normal')
})
