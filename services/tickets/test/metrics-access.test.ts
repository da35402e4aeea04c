import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTickets } from './harness.ts'

test('tickets /metrics: loopback only by default, Bearer METRICS_TOKEN when configured', async () => {
  const open = await startTickets()
  try {
    const scrape = (remoteAddress: string) => open.app.inject({ method: 'GET', url: '/metrics', remoteAddress })
    assert.equal((await scrape('127.0.0.1')).statusCode, 200)
    const outsider = await scrape('198.51.100.20')
    assert.equal(outsider.statusCode, 403)
    assert.equal(outsider.json().error.code, 'METRICS_FORBIDDEN')
  } finally {
    await open.close()
  }

  const token = 'metrics-token-of-some-length'
  const guarded = await startTickets({ METRICS_TOKEN: token })
  try {
    const scrape = (headers: Record<string, string>) =>
      guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.51.100.20', headers })
    assert.equal((await scrape({})).statusCode, 401)
    const ok = await scrape({ authorization: `Bearer ${token}` })
    assert.equal(ok.statusCode, 200)
    assert.match(ok.body, /http_requests_in_flight\{service="tickets"\}/)
  } finally {
    await guarded.close()
  }
})
