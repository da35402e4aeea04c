import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startTestPlatform, type TestPlatform } from '@kokdala/core/testing'
import { applyProfile, descriptorNamed, platform } from '../src/platform.ts'

let started: TestPlatform
before(async () => {
  started = await startTestPlatform(platform)
})
after(() => started?.close())

test('every descriptor of the platform starts, listens where it says and answers', async () => {
  assert.deepEqual(
    platform.map((d) => `${d.role}:${d.name}`),
    [
      'simulator:event-provider',
      'simulator:payment-gateway',
      'simulator:kaspi',
      'simulator:webkassa',
      'service:tickets',
      'service:payments',
      'service:fiscal',
    ],
  )
  for (const descriptor of platform) {
    const service = started.services.get(descriptor.name)!
    assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(descriptor.describe(service.config as never).length > 0)
  }
  const health = await fetch(`${started.url('tickets')}/health`)
  assert.equal(health.status, 200)
  const methods = await fetch(`${started.url('payments')}/api/payment-methods/active`)
  assert.equal(methods.status, 200)
  const fiscal = await fetch(`${started.url('fiscal')}/health`)
  assert.equal(fiscal.status, 200)
  const places = await fetch(`${started.url('event-provider')}/api/partners/v1/places?page=1&pageSize=1`)
  assert.equal(places.status, 200)
  const webkassa = await fetch(`${started.url('webkassa')}/__sim/health`)
  assert.equal(webkassa.status, 200)
})

test('tickets is wired to the simulators started beside it', async () => {
  const config = started.services.get('tickets')!.config as Record<string, unknown>
  assert.equal(config.EVENT_PROVIDER_URL, started.url('event-provider'))
  assert.equal(config.PAYMENT_GATEWAY, 'toleubar')
  assert.equal(config.PAYMENT_GATEWAY_URL, started.url('payment-gateway'))
  const events = await fetch(`${started.url('tickets')}/api/events?page=1&pageSize=1`)
  assert.equal(events.status, 200)
})

test('fiscal is wired to the Webkassa simulator started beside it, with its demo account', async () => {
  const config = started.services.get('fiscal')!.config as Record<string, unknown>
  assert.equal(config.FISCAL_WEBKASSA_URL, started.url('webkassa'))
  const login = await fetch(`${started.url('webkassa')}/api/v4/Authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': String(config.FISCAL_WEBKASSA_API_KEY) },
    body: JSON.stringify({ Login: config.FISCAL_WEBKASSA_LOGIN, Password: config.FISCAL_WEBKASSA_PASSWORD }),
  })
  assert.match((await login.json()).Data.Token, /^[0-9a-f]{32}$/)
})

test('names and profiles are checked', () => {
  assert.throws(
    () => descriptorNamed('tikets'),
    /unknown service "tikets"; known: event-provider, payment-gateway, kaspi, webkassa, tickets, payments, fiscal/,
  )
  const env: Record<string, string | undefined> = { RESET_ENABLED: 'false' }
  applyProfile(env, descriptorNamed('tickets'), 'hackload')
  assert.equal(env.RESET_ENABLED, 'false', 'a profile never overrides the environment')
  assert.equal(env.SEARCH_RATE_PER_MINUTE, '0')
  assert.throws(() => applyProfile(env, descriptorNamed('tickets'), 'nope'), /unknown profile "nope" of tickets/)
  assert.throws(() => applyProfile(env, descriptorNamed('event-provider'), 'demo'), /known: none/)
})
