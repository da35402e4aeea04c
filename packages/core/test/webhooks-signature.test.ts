import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import {
  generateWebhookSecret,
  signStandardWebhook,
  standardWebhookHeaders,
  verifyStandardWebhook,
  webhookSecretKey,
} from '../src/webhooks/signature.ts'

const body =
  '{"type":"payment.succeeded","timestamp":"2026-01-01T00:00:00.000Z","data":{"amount":150000,"note":"Сәлем"}}'

test('our signatures verify with the standardwebhooks package, over the exact bytes', () => {
  const secret = generateWebhookSecret()
  const headers = standardWebhookHeaders(secret, 'msg_1', body)
  assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/)
  assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body))
  assert.deepEqual(new Webhook(secret).verify(Buffer.from(body), { ...headers }), JSON.parse(body), 'as raw bytes')
  assert.throws(() => new Webhook(secret).verify(body.replace('150000', '150001'), { ...headers }), 'tampered body')
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers }), 'other secret')
})

test('the standardwebhooks package’s signatures verify with ours; any change to id, time or bytes does not', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  const sentAt = new Date('2026-03-01T10:00:00Z')
  const headers = {
    'webhook-id': 'msg_2',
    'webhook-timestamp': String(sentAt.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign('msg_2', sentAt, body),
  }
  const verify = (changes: { body?: string; headers?: Record<string, string> } = {}) =>
    verifyStandardWebhook({
      secrets: secret,
      body: Buffer.from(changes.body ?? body),
      headers: { ...headers, ...changes.headers },
      now: sentAt,
    })
  assert.deepEqual(verify(), { ok: true, id: 'msg_2', timestamp: sentAt.getTime() / 1000 })
  assert.deepEqual(verify({ body: JSON.stringify(JSON.parse(body)).replace(',', ', ') }), {
    ok: false,
    reason: 'no-matching-signature',
  })
  assert.equal(verify({ headers: { 'webhook-id': 'msg_3' } }).ok, false)
  assert.equal(verify({ headers: { 'webhook-timestamp': String(sentAt.getTime() / 1000 + 1) } }).ok, false)
  assert.equal(signStandardWebhook(secret, 'msg_2', sentAt.getTime() / 1000, body), headers['webhook-signature'])
})

test('the timestamp must lie within the tolerance both ways (5 minutes by default)', () => {
  const secret = generateWebhookSecret()
  const sentAt = new Date('2026-03-01T10:00:00Z')
  const headers = standardWebhookHeaders(secret, 'msg_t', body, sentAt)
  const at = (offsetSeconds: number, toleranceSeconds?: number) =>
    verifyStandardWebhook({
      secrets: secret,
      body,
      headers: { ...headers },
      now: new Date(sentAt.getTime() + offsetSeconds * 1000),
      toleranceSeconds,
    })
  assert.equal(at(300).ok, true, 'five minutes late is still in time')
  assert.deepEqual(at(301), { ok: false, reason: 'timestamp-too-old' })
  assert.equal(at(-300).ok, true)
  assert.deepEqual(at(-301), { ok: false, reason: 'timestamp-too-new' })
  assert.deepEqual(at(61, 60), { ok: false, reason: 'timestamp-too-old' })
})

test('malformed or missing headers are refused before any HMAC', () => {
  const secret = generateWebhookSecret()
  const now = new Date('2026-03-01T10:00:00Z')
  const headers = standardWebhookHeaders(secret, 'msg_h', body, now)
  const verify = (changed: Record<string, string | string[] | undefined>) =>
    verifyStandardWebhook({ secrets: secret, body, headers: { ...headers, ...changed }, now })
  assert.deepEqual(verify({ 'webhook-signature': undefined }), { ok: false, reason: 'missing-headers' })
  assert.deepEqual(verify({ 'webhook-id': ['a', 'b'] }), { ok: false, reason: 'missing-headers' })
  assert.deepEqual(verify({ 'webhook-id': '' }), { ok: false, reason: 'invalid-headers' })
  assert.deepEqual(verify({ 'webhook-timestamp': '1e9' }), { ok: false, reason: 'invalid-headers' })
  assert.deepEqual(verify({ 'webhook-timestamp': '-5' }), { ok: false, reason: 'invalid-headers' })
  assert.deepEqual(verify({ 'webhook-signature': `v1,${'A'.repeat(5000)}` }), { ok: false, reason: 'invalid-headers' })
  assert.deepEqual(verify({ 'webhook-signature': 'v2,abc v1 nonsense' }), {
    ok: false,
    reason: 'no-matching-signature',
  })
  const valid = headers['webhook-signature']
  assert.equal(verify({ 'webhook-signature': `v1a,xyz ${valid}` }).ok, true, 'other versions beside ours are skipped')
})

test('rotation: during the grace period both secrets sign and verify; after it only the new one', () => {
  const oldSecret = generateWebhookSecret()
  const newSecret = generateWebhookSecret()
  const graceEnds = new Date('2026-03-02T10:00:00Z')
  const rotating = [newSecret, { secret: oldSecret, expiresAt: graceEnds }]
  const during = new Date('2026-03-02T09:59:59Z')
  const after = new Date('2026-03-02T10:00:00Z')

  const signedDuring = standardWebhookHeaders(rotating, 'msg_r1', body, during)
  assert.equal(signedDuring['webhook-signature'].split(' ').length, 2, 'signed with both')
  for (const secret of [oldSecret, newSecret]) {
    const receiver = new Webhook(secret)
    assert.equal(
      verifyStandardWebhook({ secrets: secret, body, headers: { ...signedDuring }, now: during }).ok,
      true,
      'a receiver holding either secret accepts it',
    )
    assert.equal(
      // The package checks against the real clock; the signature itself is what it verifies here.
      signedDuring['webhook-signature'].split(' ').includes(receiver.sign('msg_r1', during, body)),
      true,
    )
  }
  const signedAfter = standardWebhookHeaders(rotating, 'msg_r2', body, after)
  assert.equal(signedAfter['webhook-signature'].split(' ').length, 1, 'the old secret no longer signs')
  assert.equal(verifyStandardWebhook({ secrets: oldSecret, body, headers: { ...signedAfter }, now: after }).ok, false)

  // A receiver rotating its own configuration: the old secret verifies until its grace ends.
  const signedWithOld = standardWebhookHeaders(oldSecret, 'msg_r3', body, during)
  assert.equal(verifyStandardWebhook({ secrets: rotating, body, headers: { ...signedWithOld }, now: during }).ok, true)
  const signedWithOldLate = standardWebhookHeaders(oldSecret, 'msg_r4', body, after)
  assert.deepEqual(verifyStandardWebhook({ secrets: rotating, body, headers: { ...signedWithOldLate }, now: after }), {
    ok: false,
    reason: 'no-matching-signature',
  })
  assert.throws(() => standardWebhookHeaders([{ secret: oldSecret, expiresAt: graceEnds }], 'm', body, after), {
    message: /no webhook secret is valid/,
  })
})

test('secrets are whsec_ and the base64 of 24 to 64 bytes', () => {
  assert.equal(webhookSecretKey(generateWebhookSecret()).length, 32)
  assert.throws(() => webhookSecretKey(randomBytes(32).toString('base64')), TypeError)
  assert.throws(() => webhookSecretKey(`whsec_${randomBytes(16).toString('base64')}`), TypeError)
  assert.throws(() => webhookSecretKey(`whsec_${randomBytes(65).toString('base64')}`), TypeError)
  assert.throws(() => webhookSecretKey('whsec_not base64!'), TypeError)
})
