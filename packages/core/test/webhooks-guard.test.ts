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

async function receiverApp(withRawBody = true) {
  const app = await createApp({ service: 'receiver', version: '0.0.0', logLevel: 'silent' })
  const seen: string[] = []
  await app.register(async (scope: FastifyInstance) => {
    if (withRawBody) keepRawJsonBody(scope)
    scope.post('/hooks', { preHandler: standardWebhookGuard({ secrets: () => secret, clock }) }, async (request) => {
      seen.push(String(request.headers['webhook-id']))
      return { received: true }
    })
  })
  return { app, seen }
}

function signedRequest(body: string, id = 'msg_g1', at = clock.now()) {
  return {
    method: 'POST' as const,
    url: '/hooks',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
    payload: body,
  }
}

test('the guard lets a message signed by the standardwebhooks package through, over its exact bytes', async (t) => {
  const { app, seen } = await receiverApp()
  t.after(() => app.close())
  // Spacing that re-serialised JSON would lose: the signature is over these bytes.
  const body = '{ "type": "payment.succeeded",  "data": { "amount": 150000 } }'
  const response = await app.inject(signedRequest(body))
  assert.equal(response.statusCode, 200)
  assert.deepEqual(seen, ['msg_g1'])
})

test('a tampered, stale, unsigned or foreign message is a 401 with a stable code and the reason', async (t) => {
  const { app, seen } = await receiverApp()
  t.after(() => app.close())
  const body = '{"type":"payment.succeeded","data":{"amount":150000}}'
  const refused = async (request: ReturnType<typeof signedRequest>, reason: string) => {
    const response = await app.inject(request)
    assert.equal(response.statusCode, 401, reason)
    assert.equal(response.json().error.code, 'WEBHOOK_SIGNATURE_INVALID')
    assert.equal(response.json().error.details.reason, reason)
  }
  await refused({ ...signedRequest(body), payload: body.replace('150000', '1500000') }, 'no-matching-signature')
  await refused(signedRequest(body, 'msg_old', new Date(clock.now().getTime() - 301_000)), 'timestamp-too-old')
  const unsigned = signedRequest(body)
  const { 'webhook-signature': _dropped, ...headers } = unsigned.headers
  await refused({ ...unsigned, headers: headers as typeof unsigned.headers }, 'missing-headers')
  const foreign = signedRequest(body)
  foreign.headers['webhook-signature'] = new Webhook(generateWebhookSecret()).sign('msg_g1', clock.now(), body)
  await refused(foreign, 'no-matching-signature')
  assert.deepEqual(seen, [], 'the handler never ran')
})

test('a route whose plugin does not keep the raw body fails loudly instead of refusing every sender', async (t) => {
  const { app } = await receiverApp(false)
  t.after(() => app.close())
  const response = await app.inject(signedRequest('{"type":"x"}'))
  assert.equal(response.statusCode, 500)
})
