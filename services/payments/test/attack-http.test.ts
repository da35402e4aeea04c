import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { request } from 'undici'
import { type StartedPayments, sourceToken, startPayments } from './harness.ts'

/**
 * Parser-level attacks over a real socket (inject skips Node's HTTP parser): smuggling-shaped lengths, NUL and
 * control bytes in headers, oversized chunked bodies, bodies of other types. Every answer is a 4xx in the seed's
 * envelope, and no payment is written.
 */
describe('attack: raw HTTP against the payment API', () => {
  let t: StartedPayments
  let token: string
  let port: number
  before(async () => {
    t = await startPayments()
    token = await sourceToken(t, 'raw')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as net.AddressInfo).port
  })
  after(() => t.close())

  function send(request: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      let out = ''
      socket.on('data', (chunk) => {
        out += chunk
      })
      socket.on('error', reject)
      socket.on('close', () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0)
        resolve({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) })
      })
      // Written, not half-closed: a client's early FIN lets the server drop an answer it refused early.
      socket.write(request)
      setTimeout(() => socket.end(), 1_500)
    })
  }

  const body = '{"amount":100}'
  const init = (headers: string, payload = body) =>
    `POST /api/payment/init HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Token: ${token}\r\n${headers}\r\n${payload}`

  it('answers every malformed request with a 4xx envelope and writes nothing', async () => {
    const { rows: before } = await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment')
    const cases: [string, string][] = [
      ['two Content-Lengths', init('Content-Type: application/json\r\nContent-Length: 14\r\nContent-Length: 15\r\n')],
      [
        'Content-Length and chunked',
        init('Content-Type: application/json\r\nContent-Length: 14\r\nTransfer-Encoding: chunked\r\n'),
      ],
      ['negative Content-Length', init('Content-Type: application/json\r\nContent-Length: -1\r\n')],
      ['huge Content-Length', init('Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n')],
      ['NUL in a header', init('Content-Type: application/json\r\nContent-Length: 14\r\nX-Foo: a\u0000b\r\n')],
      [
        'control byte in Idempotency-Key',
        init('Content-Type: application/json\r\nContent-Length: 14\r\nIdempotency-Key: a\u0001b\r\n'),
      ],
      [
        'a 300-character Idempotency-Key',
        init(`Content-Type: application/json\r\nContent-Length: 14\r\nIdempotency-Key: ${'k'.repeat(300)}\r\n`),
      ],
      [
        'a chunked body past the limit',
        init(
          'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n',
          `${`4000\r\n${'a'.repeat(0x4000)}\r\n`.repeat(6)}0\r\n\r\n`,
        ),
      ],
      ['no Content-Type', init('Content-Length: 14\r\n')],
      ['a form body', init('Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n', 'amount=100')],
      ['a 20 kB id', `GET /api/payment/${'A'.repeat(20_000)}/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      ['an unknown method', 'FOO /api/payment/init HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ]
    for (const [label, request] of cases) {
      const answer = await send(request)
      assert.ok(answer.status >= 400 && answer.status < 500, `${label}: ${answer.status} ${answer.body}`)
      const envelope = JSON.parse(answer.body)
      assert.equal(envelope.success, false, label)
      assert.equal(envelope.error_code, answer.status, label)
      assert.match(envelope.code, /^[A-Z][A-Z0-9_]+$/, label)
    }
    const { rows: afterwards } = await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment')
    assert.equal(afterwards[0].n, before[0].n)
  })

  /** A request through an ordinary HTTP client: the answer it reads, or the error it gets (a reset socket). */
  async function call(method: 'GET' | 'POST', headers: Record<string, string>, payload?: Buffer | string) {
    const response = await request(`http://127.0.0.1:${port}/api/payment/init`, {
      method,
      headers: { 'x-api-token': token, 'content-type': 'application/json', ...headers },
      body: payload,
    })
    return { status: response.statusCode, envelope: (await response.body.json()) as Record<string, unknown> }
  }

  it('answers headers beyond the parser limit with 431 in the envelope that a client reads, not a reset', async () => {
    for (const size of [20_000, 100_000, 1_000_000]) {
      for (const method of ['GET', 'POST'] as const) {
        const { status, envelope } = await call(method, { 'x-big': 'a'.repeat(size) }, method === 'POST' ? body : '')
        assert.equal(status, 431, `${method} ${size}`)
        assert.deepEqual(envelope, {
          success: false,
          message: 'The request headers are too large',
          error_code: 431,
          code: 'HEADERS_TOO_LARGE',
        })
      }
    }
  })

  it('refuses a compressed body (valid gzip or not) with 415 and writes no payment', async () => {
    const { rows: before } = await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment')
    const cases: [string, Buffer | string][] = [
      ['gzip', gzipSync(body)],
      ['gzip', Buffer.from('\x1f\x8b garbage, not gzip')],
      ['deflate', body],
      ['br', gzipSync(body)],
    ]
    for (const [coding, payload] of cases) {
      const { status, envelope } = await call('POST', { 'content-encoding': coding }, payload)
      assert.equal(status, 415, coding)
      assert.equal(envelope.success, false, coding)
      assert.equal(envelope.error_code, 415, coding)
      assert.equal(envelope.code, 'UNSUPPORTED_MEDIA_TYPE', coding)
      assert.match(String(envelope.message), /Content-Encoding/, coding)
    }
    // Chunked, with no length announced, over the raw socket.
    const chunked = gzipSync(body)
    const answer = await send(
      init(
        'Content-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n',
        `${chunked.length.toString(16)}\r\n${chunked.toString('latin1')}\r\n0\r\n\r\n`,
      ),
    )
    assert.equal(answer.status, 415)
    const { rows: afterwards } = await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment')
    assert.equal(afterwards[0].n, before[0].n)
    // The same body uncompressed is a payment: the refusal was the coding, nothing else.
    assert.equal((await call('POST', { 'content-encoding': 'identity' }, body)).status, 201)
  })
})
