import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signWebhook, verifyWebhookSignature } from '../src/signature.ts'

test('signWebhook/verifyWebhookSignature: sha256=<hex HMAC> over the raw bytes, tampering is rejected', () => {
  const raw = '{"paymentId":"1","status":"completed"}'
  const header = signWebhook('secret', raw)
  assert.match(header, /^sha256=[0-9a-f]{64}$/)
  assert.equal(verifyWebhookSignature('secret', raw, header), true)
  assert.equal(verifyWebhookSignature('secret', `${raw} `, header), false)
  assert.equal(verifyWebhookSignature('other', raw, header), false)
  assert.equal(verifyWebhookSignature('secret', raw, undefined), false)
  assert.equal(verifyWebhookSignature('secret', raw, 'sha256=short'), false)
})
