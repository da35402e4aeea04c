import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { RequestMetrics } from '../src/request-metrics.ts'

test('answers are counted by method, route and status, and their latencies land in the histogram buckets', async () => {
  const registry = new Registry()
  registry.setDefaultLabels({ service: 'demo' })
  const record = new RequestMetrics(registry).recorder('/items/:id')
  record('GET', 200, 0.003)
  record('GET', 200, 0.001) // on a bound: counted in that bucket, as Prometheus's `le` says
  record('GET', 503, 0.2)
  record('POST', 201, 7)

  const text = await registry.metrics()
  const line = (name: string) => new RegExp(`^${name.replace(/[{}+.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]
  assert.equal(line('http_requests_total{method="GET",route="/items/:id",status="200",service="demo"}'), '2')
  assert.equal(line('http_requests_total{method="GET",route="/items/:id",status="503",service="demo"}'), '1')
  assert.equal(line('http_requests_total{method="POST",route="/items/:id",status="201",service="demo"}'), '1')
  const get = (le: string) =>
    line(`http_request_duration_seconds_bucket{le="${le}",service="demo",method="GET",route="/items/:id"}`)
  assert.deepEqual(['0.001', '0.0025', '0.005', '0.1', '0.25', '5', '+Inf'].map(get), [
    '1',
    '1',
    '2',
    '2',
    '3',
    '3',
    '3',
  ])
  assert.equal(line('http_request_duration_seconds_count{service="demo",method="GET",route="/items/:id"}'), '3')
  const sum = Number(line('http_request_duration_seconds_sum{service="demo",method="GET",route="/items/:id"}'))
  assert.ok(Math.abs(sum - 0.204) < 1e-9, `sum ${sum}`)
  const post = (le: string) =>
    line(`http_request_duration_seconds_bucket{le="${le}",service="demo",method="POST",route="/items/:id"}`)
  assert.deepEqual([post('5'), post('+Inf')], ['0', '1'], 'beyond the largest bound only +Inf counts it')

  // Counts handed to the registry at one scrape are not handed over again at the next.
  record('GET', 200, 0.003)
  const again = await registry.metrics()
  assert.match(again, /^http_requests_total\{method="GET",route="\/items\/:id",status="200",service="demo"\} 3$/m)
  assert.match(again, /^http_request_duration_seconds_count\{service="demo",method="GET",route="\/items\/:id"\} 4$/m)
})

test('the JSON form folds route and method into each value, as prom-client does', async () => {
  const registry = new Registry()
  new RequestMetrics(registry).recorder('/x')('GET', 200, 0.01)
  const histogram = (await registry.getMetricsAsJSON()).find((m) => m.name === 'http_request_duration_seconds')
  const count = histogram?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))
  assert.deepEqual(count?.labels, { method: 'GET', route: '/x' })
  assert.equal(count?.value, 1)
})
