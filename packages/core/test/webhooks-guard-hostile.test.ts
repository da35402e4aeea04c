import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Webhook } from 'standardwebhooks'
import { manualClock } from '../src/clock.ts'
import { createApp, keepRawJsonBody } from '../src/http.ts'
import { standardWebhookGuard } from '../src/webhooks/guard.ts'
import { generateWebhookSecret } from '../src/webhooks/signature.ts'

const secret = generateWebhookSecret()
const clock = manualClock(new Date('2026-03-01T10:00:00Z'))

async function receiverApp() {
  const app = await createApp({ service: 'receiver', version: '0.0.0', logLevel: 'silent' })
  await app.register(async (scope: FastifyInstance) => {
    keepRawJsonBody(scope)
    scope.post('/hooks', { preHandler: standardWebhookGuard({ secrets: secret, clock }) }, async () => ({ ok: true }))
  })
  return app
}

function signed(body: string, contentType: string) {
  const at = clock.now()
  return {
    method: 'POST' as const,
    url: '/hooks',
    headers: {
      'content-type': contentType,
      'webhook-id': 'msg_h1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_h1', at, body),
    },
    payload: body,
  }
}

test('a body of another content type is a 415 UNSUPPORTED_MEDIA_TYPE, not a 500, signed or not', async (t) => {
  const app = await receiverApp()
  t.after(() => app.close())
  for (const contentType of ['text/plain', 'text/plain; charset=utf-16']) {
    const response = await app.inject(signed('{"type":"x"}', contentType))
    assert.equal(response.statusCode, 415, `${contentType}: ${response.body}`)
    assert.equal(response.json().error.code, 'UNSUPPORTED_MEDIA_TYPE')
  }
})

test('hostile headers are a 401 with a reason, never a 500', async (t) => {
  const app = await receiverApp()
  t.after(() => app.close())
  const body = '{"type":"x"}'
  const variants: Array<[string, Record<string, string | string[]>]> = [
    ['invalid-headers', { 'webhook-timestamp': '1e9' }],
    ['invalid-headers', { 'webhook-timestamp': '-1' }],
    ['invalid-headers', { 'webhook-timestamp': '9'.repeat(40) }],
    ['timestamp-too-new', { 'webhook-timestamp': '999999999999' }],
    ['timestamp-too-old', { 'webhook-timestamp': '0' }],
    ['invalid-headers', { 'webhook-signature': `v1,${'A'.repeat(10_000)}` }],
    ['invalid-headers', { 'webhook-id': 'x'.repeat(300) }],
    ['no-matching-signature', { 'webhook-signature': 'v1a,abc v2,abc v1 ,,,, v1,' }],
    ['no-matching-signature', { 'webhook-id': ['msg_h1', 'msg_h2'] }],
  ]
  for (const [reason, headers] of variants) {
    const request = signed(body, 'application/json')
    const response = await app.inject({ ...request, headers: { ...request.headers, ...headers } })
    assert.equal(response.statusCode, 401, `${JSON.stringify(headers).slice(0, 80)}: ${response.body}`)
    assert.equal(response.json().error.details.reason, reason, JSON.stringify(headers).slice(0, 80))
  }
  const ok = await app.inject(signed(body, 'application/json; charset=utf-8'))
  assert.equal(ok.statusCode, 200, ok.body)
})
