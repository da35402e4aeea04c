import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { ConnectorError } from '@kokdala/core'
import { createCameraQrReader, createKaspiTerminalClient } from '../src/index.ts'

/**
 * A fake terminal answering whatever the test sets, recording what it was sent: the client's reading of answers the
 * simulator never gives (a missing statusCode, a redirect, a bare 500) and the exact shape of its requests.
 */
interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}
const seen: Seen[] = []
let answer: { status: number; body: string; contentType?: string } = { status: 200, body: '{"statusCode":0}' }
let base = ''
const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    seen.push({
      method: request.method!,
      url: request.url!,
      headers: request.headers,
      body: Buffer.concat(chunks).toString(),
    })
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' })
    response.end(answer.body)
  })
})

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => new Promise<void>((resolve) => server.close(() => resolve())))

function client() {
  return createKaspiTerminalClient({ baseUrl: `${base}/t/7`, accessToken: 'secret-token', timeoutMs: 2000, retries: 0 })
}

function answering(status: number, body: unknown) {
  answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) }
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof ConnectorError, `not a ConnectorError: ${error}`)
  return error
}

test('every call is a GET without a body, with the protocol’s headers; accesstoken only on refund and deviceinfo', async () => {
  const c = client()
  try {
    seen.length = 0
    answering(200, { statusCode: 0, data: { processId: 'p1', status: 'wait' } })
    await c.startPayment(50500)
    await c.status('p1')
    await c.actualize('p1')
    await c.cancel('p1')
    await c.refund({ method: 'qr', amountTenge: 100, transactionId: 'tx 1&2' })
    await c.deviceInfo()
    assert.deepEqual(
      seen.map((s) => s.url),
      [
        '/t/7/v2/payment?amount=50500',
        '/t/7/v2/status?processId=p1',
        '/t/7/v2/actualize?processId=p1',
        '/t/7/v2/cancel?processId=p1',
        '/t/7/v2/refund?method=qr&amount=100&transactionId=tx+1%262',
        '/t/7/v2/deviceinfo',
      ],
    )
    for (const s of seen) {
      assert.equal(s.method, 'GET')
      assert.equal(s.body, '')
      assert.equal(s.headers.accept, '*/*')
      assert.equal(s.headers['content-type'], 'application/json')
      const wantsToken = s.url.includes('/refund') || s.url.includes('/deviceinfo')
      assert.equal(s.headers.accesstoken, wantsToken ? 'secret-token' : undefined, s.url)
    }
  } finally {
    await c.close()
  }
})

test('a fraction of a tenge is refused before anything is sent, never truncated', async () => {
  const c = client()
  try {
    seen.length = 0
    for (const amount of [12469.13, 0, -5, Number.NaN, 2 ** 60]) {
      await assert.rejects(c.startPayment(amount), RangeError)
      await assert.rejects(c.refund({ method: 'qr', amountTenge: amount, transactionId: 't' }), RangeError)
    }
    await assert.rejects(c.refund({ method: 'cash' as 'qr', amountTenge: 1, transactionId: 't' }), RangeError)
    await assert.rejects(c.status(''), RangeError)
    assert.equal(seen.length, 0)
  } finally {
    await c.close()
  }
})

test('answers the client cannot use are protocol errors, refusals are rejected with the terminal’s text', async () => {
  const c = client()
  try {
    const cases: [number, unknown, string, RegExp][] = [
      [200, '', 'protocol', /empty answer/],
      [200, '   ', 'protocol', /empty answer/],
      [200, '<html>captive portal</html>', 'protocol', /not a JSON object/],
      [200, '[1,2]', 'protocol', /not a JSON object/],
      [200, 'null', 'protocol', /not a JSON object/],
      [200, { data: { processId: 'x' } }, 'protocol', /no statusCode/],
      [200, { statusCode: '0', data: { processId: 'x' } }, 'protocol', /no statusCode/],
      [200, { statusCode: 0 }, 'protocol', /no data.processId/],
      [200, { statusCode: 0, data: { processId: '' } }, 'protocol', /no data.processId/],
      [200, { statusCode: 17, errorText: 'Терминал занят' }, 'rejected', /Терминал занят/],
      [200, { statusCode: -1 }, 'rejected', /statusCode -1/],
      [400, { statusCode: 1, errorText: 'bad amount' }, 'rejected', /bad amount/],
      [401, { statusCode: 7, errorText: 'Invalid access token' }, 'auth', /Invalid access token/],
      [403, '', 'auth', /HTTP 403/],
      [500, 'oops', 'unavailable', /HTTP 500/],
      [503, '', 'unavailable', /HTTP 503/],
      [302, '', 'rejected', /HTTP 302/],
      [200, { statusCode: 3, errorText: 'x'.repeat(5000) }, 'rejected', /x{200}…$/],
    ]
    for (const [status, body, kind, message] of cases) {
      answering(status, body)
      const error = await rejection(c.startPayment(100))
      assert.equal(error.kind, kind, `${status} ${JSON.stringify(body).slice(0, 60)}`)
      assert.match(error.message, message)
      assert.equal(error.connector, 'kaspi-terminal')
      assert.equal(error.operation, 'payment')
    }
    answering(200, { statusCode: 17, errorText: 'busy' })
    assert.equal((await rejection(c.startPayment(100))).partnerCode, '17')
  } finally {
    await c.close()
  }
})

test('a status must be one of wait, success, fail, unknown', async () => {
  const c = client()
  try {
    for (const data of [undefined, {}, { status: 'paid' }, { status: 'SUCCESS' }, []]) {
      answering(200, { statusCode: 0, data })
      assert.equal((await rejection(c.status('p'))).kind, 'protocol', JSON.stringify(data))
    }
    answering(200, { statusCode: 0, data: { status: 'success', amount: 5 } })
    assert.equal((await c.status('p')).status, 'success')
    // A numeric processId from some firmware is still a processId.
    answering(200, { statusCode: 0, data: { processId: 12345 } })
    assert.deepEqual(await c.startPayment(1), { processId: '12345' })
  } finally {
    await c.close()
  }
})

test('a terminal that is not there is unavailable, not an unhandled throw', async () => {
  const c = createKaspiTerminalClient({ baseUrl: 'http://127.0.0.1:1', accessToken: 't', timeoutMs: 1000 })
  try {
    assert.equal((await rejection(c.startPayment(100))).kind, 'unavailable')
    assert.equal((await rejection(c.deviceInfo())).kind, 'unavailable')
  } finally {
    await c.close()
  }
})

test('the camera reader: QR on success, rejected when the camera sees none, protocol on nonsense', async () => {
  const camera = createCameraQrReader({ baseUrl: `${base}/cam`, scanTimeoutMs: 500 })
  try {
    seen.length = 0
    answering(200, { success: true, qrData: 'https://qr.kaspi.kz/p/abc' })
    assert.equal(await camera.readQr({ cameraId: 'cam 1', processId: 'p' }), 'https://qr.kaspi.kz/p/abc')
    assert.equal(seen[0].url, '/cam/scan-qr/cam%201?timeout=500')
    answering(200, { success: false, error: 'QR not found' })
    const none = await rejection(camera.readQr({ cameraId: '1', processId: 'p' }))
    assert.equal(none.kind, 'rejected')
    assert.match(none.message, /QR not found/)
    for (const body of ['', 'garbage', { success: true }, { success: true, qrData: 'javascript:alert(1)' }]) {
      answering(200, body)
      assert.equal((await rejection(camera.readQr({ cameraId: '1', processId: 'p' }))).kind, 'protocol')
    }
    answering(502, '')
    assert.equal((await rejection(camera.readQr({ cameraId: '1', processId: 'p' }))).kind, 'unavailable')
    answering(200, '')
    assert.equal(await camera.capture('1'), true)
    assert.equal(seen.at(-1)!.method, 'HEAD')
    answering(404, '')
    assert.equal(await camera.capture('1'), false)
  } finally {
    await camera.close()
  }
})
