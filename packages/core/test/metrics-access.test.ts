import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApp } from '../src/http.ts'

test('without a metrics token, /metrics answers loopback clients only, and not through a proxy', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent' })
  const scrape = (remoteAddress: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers })

  for (const local of ['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1']) {
    const response = await scrape(local)
    assert.equal(response.statusCode, 200, local)
    assert.match(response.body, /http_requests_total/)
  }
  for (const outsider of ['203.0.113.5', '10.0.0.7', '::ffff:10.0.0.7', '2001:db8::1']) {
    const response = await scrape(outsider)
    assert.equal(response.statusCode, 403, outsider)
    assert.deepEqual(response.json(), {
      error: {
        code: 'METRICS_FORBIDDEN',
        message: 'Metrics are served to loopback clients or with the metrics token',
      },
    })
    assert.doesNotMatch(response.body, /http_requests_total/)
  }
  // A reverse proxy on the same host connects from loopback and names the real client in a forwarding header.
  for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
    assert.equal((await scrape('127.0.0.1', { [header]: '203.0.113.5' })).statusCode, 403, header)
  }
  await app.close()
})

test('with a metrics token, /metrics requires Authorization: Bearer <token> from everyone', async () => {
  const app = await createApp({ service: 'demo', version: '0.0.0', logLevel: 'silent', metricsToken: 's3cret-token' })
  const scrape = (headers: Record<string, string>, remoteAddress = '203.0.113.5') =>
    app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers })

  const ok = await scrape({ authorization: 'Bearer s3cret-token' })
  assert.equal(ok.statusCode, 200)
  assert.match(ok.body, /http_requests_total/)
  assert.equal(
    (await scrape({ authorization: 'bearer s3cret-token' })).statusCode,
    200,
    'the scheme is case-insensitive',
  )

  for (const authorization of [
    undefined,
    'Bearer wrong',
    'Bearer s3cret-token2',
    'Bearer ',
    'Basic czNjcmV0LXRva2Vu',
  ]) {
    for (const remoteAddress of ['203.0.113.5', '127.0.0.1']) {
      const response = await scrape(authorization ? { authorization } : {}, remoteAddress)
      assert.equal(response.statusCode, 401, `${authorization} from ${remoteAddress}`)
      assert.equal(response.json().error.code, 'UNAUTHORIZED')
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"')
    }
  }
  await app.close()
})
