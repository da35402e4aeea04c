import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createApp } from '../src/http.ts'
import { rawRequest } from './raw-http.ts'

const cases: { name: string; bytes: string; status: number; code: string }[] = [
  {
    name: 'headers larger than the parser allows',
    bytes: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: 'HEADERS_TOO_LARGE',
  },
  {
    name: 'a space in a header name',
    bytes: 'GET /health HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a control byte in a header value',
    bytes: 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n',
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'a malformed request line', bytes: 'GARBAGE\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'an unknown HTTP version', bytes: 'GET / HTTP/9.9\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  {
    name: 'a malformed chunked body',
    bytes:
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a malformed percent-encoding in the path (FST_ERR_BAD_URL)',
    bytes: 'GET /items/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a path parameter beyond maxParamLength (FST_ERR_MAX_PARAM_LENGTH)',
    bytes: `GET /items/${'1'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    status: 414,
    code: 'URI_TOO_LONG',
  },
]

test('errors raised before routing answer the JSON error envelope with a stable code and are counted', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  app.get('/items/:id', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  try {
    for (const c of cases) {
      const response = await rawRequest(port, c.bytes)
      assert.equal(response.status, c.status, c.name)
      assert.match(response.headers['content-type'] ?? '', /^application\/json/, c.name)
      const body = JSON.parse(response.body)
      assert.deepEqual(Object.keys(body), ['error'], `${c.name}: ${response.body}`)
      assert.equal(body.error.code, c.code, c.name)
      assert.equal(typeof body.error.message, 'string', c.name)
    }
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    assert.match(metrics, /http_errors_total\{code="HEADERS_TOO_LARGE",service="demo"\} 1/)
    assert.match(metrics, /http_errors_total\{code="BAD_REQUEST",service="demo"\} 6/)
    assert.match(metrics, /http_errors_total\{code="URI_TOO_LONG",service="demo"\} 1/)
  } finally {
    await app.close()
  }
})

test('a request that does not arrive within requestTimeout answers 408 REQUEST_TIMEOUT in the envelope', async () => {
  const app = await createApp({
    service: 'demo',
    version: '0.0.0',
    logLevel: 'silent',
    // Node checks request deadlines every connectionsCheckingInterval (30 s by default); the test cannot wait that long.
    fastify: { requestTimeout: 200, http: { connectionsCheckingInterval: 50 } },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  try {
    const response = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n')
    assert.equal(response.status, 408)
    assert.deepEqual(JSON.parse(response.body), {
      error: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
    })
  } finally {
    await app.close()
  }
})
