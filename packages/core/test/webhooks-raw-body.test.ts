/**
 * What payments needs from core webhooks: the caller's own body bytes (the seed's flat JSON), the seed's extra headers
 * with a hex HMAC of the raw body, endpoints that share a URL under different secrets, de-duplicated events.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { openTestDatabase, startReferenceWebhookReceiver } from '../src/testing/index.ts'
import { attemptTimestamp, createWebhookDeliveryJob, WEBHOOK_TIMESTAMP_REUSE_MS } from '../src/webhooks/delivery.ts'
import {
  createWebhookEndpoint,
  ensureWebhookEndpoint,
  findWebhookEndpointByKey,
  rotateWebhookSecret,
} from '../src/webhooks/endpoints.ts'
import { enqueueWebhook, getWebhookMessage, resendWebhook, WEBHOOK_DELIVERY_JOB } from '../src/webhooks/outbox.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

const PAYMENT_SECRET = 'merchant-secret/Тест-42'

/** The seed's payload, with the characters its own verification recipe breaks on: Cyrillic, `/`, an emoji. */
function seedPayload(timestamp: number) {
  return {
    event: 'paid',
    transaction_id: 'A3F5D9E2B1C8',
    amount: 57000,
    original_amount: 50000,
    paid_amount: 57000,
    remaining_amount: 0,
    currency: 'KZT',
    status: 'paid',
    description: 'Оплата тура в Дубай #12345 🌴',
    metadata: { order_id: '12345', tour_name: 'Дубай 7 дней', return_url: 'https://shop.example/orders/12345' },
    timestamp,
  }
}

function newWorker(clock: ReturnType<typeof manualClock>) {
  return createWorker({
    db,
    clock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [1_000, 1_000] }) },
  })
}

/** The seed's compatibility headers for a payment, as payments will ask for them. */
function seedHeaders(event: string, secret: string) {
  return {
    headers: { 'X-Webhook-Event': event, 'User-Agent': 'ByFly-Payment-Center/1.0' },
    timestampHeader: 'X-Webhook-Timestamp',
    bodySignature: { header: 'X-Webhook-Signature', secret },
  }
}

test('the body is the caller bytes as given, verified by standardwebhooks and by the seed hex HMAC over the raw body', async (t) => {
  const clock = manualClock(new Date())
  const receiver = await startReferenceWebhookReceiver({
    bodySignature: { header: 'X-Webhook-Signature', secret: PAYMENT_SECRET },
    clock,
  })
  t.after(() => receiver.stop())
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  receiver.state.secret = secret
  let sentBody = ''
  const message = await db.transaction((tx) =>
    enqueueWebhook(tx, {
      endpointId,
      eventType: 'paid',
      // As PHP's json_encode would write it by default: `\/` and \u escapes; any other spelling works the same.
      body: ({ timestamp }) => {
        sentBody = JSON.stringify(seedPayload(timestamp))
        return sentBody
      },
      ...seedHeaders('paid', PAYMENT_SECRET),
      subject: 'payment:A3F5D9E2B1C8',
      clock,
    }),
  )
  assert.equal(message.created, true)
  const writtenAt = Math.floor(clock.now().getTime() / 1000)
  // The worker picks it up a few seconds later (a busy queue): still the one clock read.
  clock.advance(10_000)
  await newWorker(clock).runDue()

  assert.deepEqual(receiver.state.refused, [])
  const [received] = receiver.state.processed
  assert.equal(received.id, message.publicId)
  assert.equal(received.body, sentBody, 'the bytes as given, not wrapped, not re-serialised')
  assert.ok(received.body.includes('Оплата тура в Дубай #12345 🌴') && received.body.includes('https://shop.example/'))
  // Independently of the receiver: the PHP recipe hash_hmac('sha256', file_get_contents('php://input'), $secret).
  const rawBytes = Buffer.from(received.body, 'utf8')
  assert.equal(
    received.headers['x-webhook-signature'],
    createHmac('sha256', PAYMENT_SECRET).update(rawBytes).digest('hex'),
  )
  assert.ok(new Webhook(secret).verify(rawBytes, received.headers), 'the standardwebhooks package verifies it')
  assert.equal(received.headers['x-webhook-timestamp'], String(writtenAt))
  assert.equal((received.json as { timestamp: number }).timestamp, writtenAt, 'one clock read for header and body')
  assert.equal(received.headers['webhook-timestamp'], String(writtenAt), 'and for the Standard Webhooks timestamp')
  assert.equal(received.headers['x-webhook-event'], 'paid')
  assert.equal(received.headers['user-agent'], 'ByFly-Payment-Center/1.0')
  assert.equal(received.headers['content-type'], 'application/json')

  // The seed's own Node recipe (JSON.stringify of the parsed body) only agrees when the sender wrote JSON exactly as
  // JavaScript does; a PHP-style body (`\/`, \u escapes) shows why the raw body is the only thing to sign.
  const phpStyle = sentBody.replaceAll('/', '\\/')
  assert.notEqual(JSON.stringify(JSON.parse(phpStyle)), phpStyle)

  // A resend, an hour later: same bytes, same X- headers, same webhook-id; a fresh Standard Webhooks timestamp.
  clock.advance(3_600_000)
  assert.equal(await resendWebhook(db, message.id), true)
  const receiverLater = receiver.state.processed.length
  await newWorker(clock).runDue()
  assert.equal(receiver.state.processed.length, receiverLater, 'the receiver processed the repeat once')
  assert.equal(receiver.state.duplicates, 1)
  assert.equal(receiver.get(message.publicId)?.deliveries, 2)
})

test('the caller secret is never stored: not in the message, its job, nor the attempt log', async (t) => {
  const clock = manualClock(new Date())
  const receiver = await startReferenceWebhookReceiver()
  t.after(() => receiver.stop())
  receiver.state.failWith = 500
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  const secret = 'do-not-store-this-Секрет'
  const message = await db.transaction((tx) =>
    enqueueWebhook(tx, {
      endpointId,
      eventType: 'paid',
      body: '{"event":"paid"}',
      ...seedHeaders('paid', secret),
      clock,
    }),
  )
  await newWorker(clock).runDue()
  const stored = await getWebhookMessage(db, message.id)
  assert.equal(
    stored?.headers['x-webhook-signature'],
    createHmac('sha256', secret).update('{"event":"paid"}').digest('hex'),
  )
  const { rows } = await db.query<{ dump: string }>(
    `SELECT (SELECT json_agg(m)::text FROM webhook_message m) || (SELECT json_agg(a)::text FROM webhook_attempt a)
       || (SELECT json_agg(j)::text FROM job j) AS dump`,
  )
  assert.ok(rows[0].dump.includes('x-webhook-signature'), 'the dump holds the messages')
  assert.ok(!rows[0].dump.includes(secret) && !rows[0].dump.includes('do-not-store'), 'the secret is nowhere')
})

test('a message refuses what it must not carry: reserved or malformed headers, a body that is not UTF-8 JSON', async () => {
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: 'https://refusals.example/hook' }),
  )
  const send = (options: Partial<Parameters<typeof enqueueWebhook>[1]>) =>
    db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'paid', body: '{}', ...options }))
  const refused: Record<string, string>[] = [
    { 'webhook-signature': 'v1,forged' },
    { 'Content-Type': 'text/plain' },
    { Host: 'elsewhere.example' },
    { 'X-Injected': 'a\r\nX-Evil: 1' },
    { 'X-Name': 'Имя' },
    { 'Bad Name': 'x' },
    { 'x-a': '1', 'X-A': '2' },
  ]
  for (const headers of refused) {
    await assert.rejects(send({ headers }), { code: 'VALIDATION_FAILED' }, JSON.stringify(headers))
  }
  await assert.rejects(send({ headers: { 'X-Webhook-Timestamp': '1' }, timestampHeader: 'x-webhook-timestamp' }), {
    code: 'VALIDATION_FAILED',
  })
  await assert.rejects(send({ bodySignature: { header: 'Webhook-Signature', secret: 's' } }), {
    code: 'VALIDATION_FAILED',
  })
  await assert.rejects(send({ body: 'not json' }), TypeError)
  await assert.rejects(send({ body: new Uint8Array([0x7b, 0xff, 0x7d]) }), /not UTF-8/)
  await assert.rejects(send({ body: '{"a":"\ud800"}' }), /lone surrogate/)
  await assert.rejects(send({ body: '{"a":"\\u0000"}'.replace('\\u0000', '\0') }), TypeError)
  await assert.rejects(send({ body: '{}', payload: { a: 1 } }), /payload or a body/)
  await assert.rejects(send({ body: JSON.stringify({ a: 'x'.repeat(300_000) }) }), /more than/)
  await assert.rejects(send({ bodySignature: { header: 'X-Sig', secret: '' } }), /secret is empty/)
  await assert.rejects(send({ subject: 'a\nb' }), { code: 'VALIDATION_FAILED' })
  // Bytes are taken as they are.
  const bytes = Buffer.from('{"text":"Қазақстан / ✓"}', 'utf8')
  const ok = await send({ body: bytes })
  assert.equal((await getWebhookMessage(db, ok.id))?.body, bytes.toString('utf8'))
})

test('one URL registered under several keys, one secret each: every message signed with its own secret', async (t) => {
  const clock = manualClock(new Date())
  const receiver = await startReferenceWebhookReceiver()
  t.after(() => receiver.stop())
  const a = await db.transaction((tx) =>
    ensureWebhookEndpoint(tx, { key: 'merchant:a', url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  const b = await db.transaction((tx) =>
    ensureWebhookEndpoint(tx, { key: 'merchant:b', url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  assert.equal(a.created, true)
  assert.equal(b.created, true)
  assert.notEqual(a.id, b.id)
  assert.ok(a.secret && b.secret && a.secret !== b.secret)
  const again = await db.transaction((tx) =>
    ensureWebhookEndpoint(tx, { key: 'merchant:a', url: receiver.url, allowPrivateNetworks: true }),
  )
  assert.deepEqual(again, { id: a.id, created: false }, 'an existing key gives its endpoint, and no secret')
  await assert.rejects(
    db.transaction((tx) =>
      ensureWebhookEndpoint(tx, { key: 'merchant:a', url: 'https://other.example/', allowPrivateNetworks: true }),
    ),
    { code: 'CONFLICT' },
  )
  await assert.rejects(
    db.transaction((tx) => createWebhookEndpoint(tx, { key: 'merchant:b', url: 'https://other.example/' })),
    { code: 'CONFLICT' },
  )
  // The SSRF guard applies to keyed endpoints too.
  await assert.rejects(
    db.transaction((tx) => ensureWebhookEndpoint(tx, { key: 'merchant:c', url: 'http://169.254.169.254/latest' })),
    { code: 'VALIDATION_FAILED' },
  )
  assert.equal((await findWebhookEndpointByKey(db, 'merchant:c'))?.id, undefined)
  // Without a key the old rule holds: the URL once.
  await db.transaction((tx) => createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true }))
  await assert.rejects(
    db.transaction((tx) => createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true })),
    { code: 'CONFLICT' },
  )

  const toA = await db.transaction((tx) =>
    enqueueWebhook(tx, { endpointKey: 'merchant:a', eventType: 'paid', body: '{"to":"a"}' }),
  )
  const toB = await db.transaction((tx) =>
    enqueueWebhook(tx, { endpointId: b.id, eventType: 'paid', body: '{"to":"b"}' }),
  )
  receiver.state.secret = a.secret
  await newWorker(clock).runDue()
  assert.deepEqual(
    receiver.state.processed.map((p) => p.id),
    [toA.publicId],
  )
  assert.equal(receiver.state.refused.length, 1, "b's message does not verify with a's secret")
  receiver.state.secret = b.secret
  clock.advance(1_000)
  await newWorker(clock).runDue()
  assert.deepEqual(
    receiver.state.processed.map((p) => p.id),
    [toA.publicId, toB.publicId],
  )

  // A keyed endpoint rotates like any other.
  const rotated = await db.transaction((tx) => rotateWebhookSecret(tx, a.id, { clock }))
  receiver.state.secret = rotated
  await db.transaction((tx) => enqueueWebhook(tx, { endpointKey: 'merchant:a', eventType: 'paid', body: '{}' }))
  await newWorker(clock).runDue()
  assert.equal(receiver.state.processed.length, 3)
})

test('the same event enqueued twice (same dedupe key) is one message and one delivery', async (t) => {
  const clock = manualClock(new Date())
  const receiver = await startReferenceWebhookReceiver()
  t.after(() => receiver.stop())
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  receiver.state.secret = secret
  const first = await db.transaction((tx) =>
    enqueueWebhook(tx, { endpointId, eventType: 'paid', body: '{"n":1}', dedupeKey: 'A3F5D9E2B1C8:paid' }),
  )
  const second = await db.transaction((tx) =>
    enqueueWebhook(tx, { endpointId, eventType: 'paid', body: '{"n":2}', dedupeKey: 'A3F5D9E2B1C8:paid' }),
  )
  assert.equal(first.created, true)
  assert.deepEqual(second, { id: first.id, publicId: first.publicId, created: false })
  // Concurrent writers of one key: one message (PGlite runs them one after the other; PostgreSQL really races).
  const racing = await Promise.all(
    [1, 2, 3, 4].map((n) =>
      db.transaction((tx) =>
        enqueueWebhook(tx, { endpointId, eventType: 'paid', body: `{"n":${n}}`, dedupeKey: 'race' }),
      ),
    ),
  )
  assert.equal(new Set(racing.map((r) => r.id)).size, 1)
  assert.equal(racing.filter((r) => r.created).length, 1)
  assert.equal(await newWorker(clock).runDue(), 2, 'one job per message')
  assert.equal(receiver.state.processed.length, 2)
  assert.equal(JSON.stringify(receiver.get(first.publicId)?.json), '{"n":1}')
})

test('webhook-timestamp is the message time while the message is fresh, then the time of the attempt', () => {
  const written = new Date('2026-01-13T14:30:00.400Z')
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000)
  const later = (ms: number) => new Date(written.getTime() + ms)
  assert.equal(attemptTimestamp(written, written), seconds(written))
  assert.equal(attemptTimestamp(written, later(WEBHOOK_TIMESTAMP_REUSE_MS)), seconds(written))
  assert.equal(
    attemptTimestamp(written, later(WEBHOOK_TIMESTAMP_REUSE_MS + 1)),
    seconds(later(WEBHOOK_TIMESTAMP_REUSE_MS + 1)),
  )
  assert.equal(attemptTimestamp(written, later(3_600_000)), seconds(later(3_600_000)), 'a retry an hour later')
  // A worker whose clock is behind the writer's signs its own time, never one from its future.
  assert.equal(attemptTimestamp(written, later(-5_000)), seconds(later(-5_000)))
})

test('concurrent ensureWebhookEndpoint calls for one key register one endpoint', async () => {
  const url = 'https://concurrent.example/hook'
  const results = await Promise.all(
    [1, 2, 3, 4, 5].map(() => db.transaction((tx) => ensureWebhookEndpoint(tx, { key: 'concurrent', url }))),
  )
  assert.equal(new Set(results.map((r) => r.id)).size, 1)
  assert.equal(results.filter((r) => r.created).length, 1)
  assert.equal(results.filter((r) => r.secret !== undefined).length, 1, 'the secret is handed out once')
})
