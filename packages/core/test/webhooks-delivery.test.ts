import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { createWebhookDeliveryJob, MAX_LOGGED_RESPONSE_BYTES } from '../src/webhooks/delivery.ts'
import {
  createWebhookEndpoint,
  enableWebhookEndpoint,
  getWebhookEndpoint,
  rotateWebhookSecret,
} from '../src/webhooks/endpoints.ts'
import {
  enqueueWebhook,
  getWebhookMessage,
  listDeadWebhooks,
  listWebhookAttempts,
  purgeDeliveredWebhooks,
  resendWebhook,
  WEBHOOK_DELIVERY_JOB,
} from '../src/webhooks/outbox.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

interface Delivered {
  id: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  signatures: number
}

/**
 * A receiver on a real port that verifies every request with the standardwebhooks package against the secret it
 * holds, answers with what the test sets, and records what it accepted with a 2xx.
 */
function createReceiver() {
  const state = {
    secret: '',
    answer: { status: 200, body: 'ok' },
    hits: 0,
    delivered: [] as Delivered[],
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      state.hits++
      let payload: Delivered['payload']
      try {
        payload = new Webhook(state.secret).verify(Buffer.concat(chunks), headersOf(request.headers)) as typeof payload
      } catch {
        response.writeHead(401).end('signature refused')
        return
      }
      const { status, body } = state.answer
      if (status >= 200 && status < 300) {
        const signatures = String(request.headers['webhook-signature']).split(' ').length
        state.delivered.push({ id: String(request.headers['webhook-id']), payload, signatures })
      }
      response.writeHead(status).end(body)
    })
  })
  let port = 0
  return {
    state,
    get url() {
      return `http://127.0.0.1:${port}/hooks`
    },
    /** Listens on the port it had before, or a free one the first time. */
    async start() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]))
}

/** A worker that runs webhook deliveries with 1-second retries, on a clock near the real one (the package checks). */
function setup(retrySchedule = [1_000, 1_000, 1_000]) {
  const clock = manualClock(new Date())
  const newWorker = () =>
    createWorker({
      db,
      clock,
      handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule, timeoutMs: 5_000 }) },
    })
  const worker = newWorker()
  const rival = newWorker()
  /** Two workers (as two processes would) claiming due deliveries at the same moment; how many ran. */
  const runBoth = async () => (await Promise.all([worker.runDue(), rival.runDue()])).reduce((a, b) => a + b)
  return { clock, worker, runBoth }
}

async function endpointFor(receiver: ReturnType<typeof createReceiver>, clock: { now(): Date }) {
  const endpoint = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, clock, allowPrivateNetworks: true }),
  )
  receiver.state.secret = endpoint.secret
  return endpoint
}

test('a receiver down then up loses nothing: each message arrives exactly once under two workers, signed', async (t) => {
  const { clock, runBoth } = setup()
  const receiver = createReceiver()
  await receiver.start()
  await receiver.stop()
  t.after(() => receiver.stop().catch(() => {}))
  await endpointFor(receiver, clock)

  const messages = await db.transaction(async (tx) => {
    const written = []
    for (let n = 1; n <= 5; n++) {
      written.push(
        await enqueueWebhook(tx, {
          url: receiver.url,
          eventType: 'payment.succeeded',
          payload: { n, amount: 150_000n },
        }),
      )
    }
    return written
  })
  assert.equal(await runBoth(), 5)
  clock.advance(1_000)
  assert.equal(await runBoth(), 5, 'all five retried on schedule')
  for (const message of messages) {
    const attempts = await listWebhookAttempts(db, message.id)
    assert.equal(attempts.length, 2)
    for (const attempt of attempts) {
      assert.equal(attempt.responseStatus, null)
      assert.match(attempt.error ?? '', /ECONNREFUSED/)
    }
    assert.equal((await getWebhookMessage(db, message.id))?.status, 'pending')
  }

  await receiver.start()
  clock.advance(1_000)
  assert.equal(await runBoth(), 5)
  clock.advance(60_000)
  assert.equal(await runBoth(), 0, 'nothing is left to send')

  const ids = receiver.state.delivered.map((d) => d.id).sort()
  assert.deepEqual(ids, messages.map((m) => m.publicId).sort(), 'every message once, none twice')
  assert.deepEqual(
    receiver.state.delivered.map((d) => d.payload.data).sort((a, b) => Number(a.n) - Number(b.n)),
    [1, 2, 3, 4, 5].map((n) => ({ n, amount: 150_000 })),
  )
  for (const message of messages) {
    assert.equal((await getWebhookMessage(db, message.id))?.status, 'delivered')
    const attempts = await listWebhookAttempts(db, message.id)
    assert.deepEqual(
      attempts.map((a) => a.responseStatus),
      [null, null, 200],
    )
    assert.equal(attempts[2].responseBody, 'ok')
    assert.ok(attempts[2].latencyMs >= 0)
  }
})

test('a message written in a transaction that rolls back is never sent', async (t) => {
  const { clock, worker } = setup()
  const receiver = createReceiver()
  await receiver.start()
  t.after(() => receiver.stop())
  const { id: endpointId } = await endpointFor(receiver, clock)
  await assert.rejects(
    db.transaction(async (tx) => {
      await enqueueWebhook(tx, { endpointId, eventType: 'booking.paid', payload: {} })
      throw new Error('the state change failed')
    }),
    /the state change failed/,
  )
  assert.equal(await worker.runDue(), 0)
  assert.equal(receiver.state.hits, 0)
})

test('an endpoint answering 410 Gone is disabled: no retries, later messages dead at once, resend after enabling', async (t) => {
  const { clock, worker } = setup()
  const receiver = createReceiver()
  await receiver.start()
  t.after(() => receiver.stop())
  const { id: endpointId } = await endpointFor(receiver, clock)
  receiver.state.answer = { status: 410, body: 'gone' }

  const first = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'a', payload: { n: 1 } }))
  await worker.runDue()
  assert.equal(receiver.state.hits, 1)
  assert.equal((await getWebhookMessage(db, first.id))?.status, 'dead')
  assert.equal((await getWebhookMessage(db, first.id))?.lastError, 'HTTP 410')
  assert.equal((await getWebhookEndpoint(db, endpointId))?.disabledReason, 'answered 410 Gone')

  const second = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'a', payload: { n: 2 } }))
  await worker.runDue()
  // Well past the 1-second retry; not further, as the receiver checks timestamps against the real clock.
  clock.advance(60_000)
  assert.equal(await worker.runDue(), 0, 'nothing is retried')
  assert.equal(receiver.state.hits, 1, 'a disabled endpoint is not called')
  assert.equal((await getWebhookMessage(db, second.id))?.status, 'dead')
  assert.deepEqual(await listWebhookAttempts(db, second.id), [])

  receiver.state.answer = { status: 204, body: '' }
  assert.equal(await enableWebhookEndpoint(db, endpointId), true)
  assert.equal(await resendWebhook(db, first.id), true)
  assert.equal(await resendWebhook(db, second.id), true)
  await worker.runDue()
  assert.deepEqual(receiver.state.delivered.map((d) => d.id).sort(), [first.publicId, second.publicId].sort())
})

test('out of retries a message is a dead letter with every attempt logged; a resend delivers it under the same id', async (t) => {
  const { clock, worker } = setup([1_000, 1_000])
  const receiver = createReceiver()
  await receiver.start()
  t.after(() => receiver.stop())
  const { id: endpointId } = await endpointFor(receiver, clock)
  // Longer than the log keeps, with two-byte letters across the cut.
  receiver.state.answer = { status: 500, body: `ошибка ${'ә'.repeat(3_000)}` }

  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'b', payload: {} }))
  for (let attempt = 1; attempt <= 3; attempt++) {
    assert.equal(await worker.runDue(), 1, `attempt ${attempt}`)
    clock.advance(1_000)
  }
  assert.equal(await worker.runDue(), 0, 'no fourth attempt')
  const dead = await getWebhookMessage(db, message.id)
  assert.equal(dead?.status, 'dead')
  assert.match(dead?.lastError ?? '', /HTTP 500/)
  assert.deepEqual(
    (await listDeadWebhooks(db, { endpointId })).map((m) => m.id),
    [message.id],
  )
  const attempts = await listWebhookAttempts(db, message.id)
  assert.deepEqual(
    attempts.map((a) => a.responseStatus),
    [500, 500, 500],
  )
  for (const attempt of attempts) {
    assert.ok(Buffer.byteLength(attempt.responseBody ?? '') <= MAX_LOGGED_RESPONSE_BYTES)
    assert.ok((attempt.responseBody ?? '').startsWith('ошибка әә'))
    assert.ok(attempt.latencyMs >= 0)
  }

  receiver.state.answer = { status: 200, body: 'ok' }
  assert.equal(await resendWebhook(db, message.id), true)
  assert.equal(await resendWebhook(db, message.id), false, 'a pending message is not resent twice')
  assert.equal(await worker.runDue(), 1)
  assert.deepEqual(
    receiver.state.delivered.map((d) => d.id),
    [message.publicId],
  )
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'delivered')
  assert.deepEqual(await listDeadWebhooks(db, { endpointId }), [])
})

test('secret rotation: both secrets sign during the grace period, so a receiver can switch at any moment', async (t) => {
  const { clock, worker } = setup()
  const receiver = createReceiver()
  await receiver.start()
  t.after(() => receiver.stop())
  const { id: endpointId, secret: oldSecret } = await endpointFor(receiver, clock)
  const newSecret = await db.transaction((tx) => rotateWebhookSecret(tx, endpointId, { graceMs: 60_000, clock }))
  assert.notEqual(newSecret, oldSecret)

  const send = async (n: number) => {
    await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'c', payload: { n } }))
    await worker.runDue()
  }
  await send(1)
  receiver.state.secret = newSecret
  await send(2)
  assert.deepEqual(
    receiver.state.delivered.map((d) => [d.payload.data.n, d.signatures]),
    [
      [1, 2],
      [2, 2],
    ],
    'old and new secret both verify while both sign',
  )

  clock.advance(60_000)
  receiver.state.secret = oldSecret
  await send(3)
  assert.equal(receiver.state.delivered.length, 2, 'after the grace period the old secret no longer signs')
  receiver.state.secret = newSecret
  clock.advance(1_000)
  await worker.runDue()
  assert.deepEqual(receiver.state.delivered.map((d) => [d.payload.data.n, d.signatures]).at(-1), [3, 1])
  const endpoint = await getWebhookEndpoint(db, endpointId)
  assert.equal(endpoint?.secrets.length, 2)
  await db.transaction((tx) => rotateWebhookSecret(tx, endpointId, { graceMs: 0, clock }))
  assert.equal((await getWebhookEndpoint(db, endpointId))?.secrets.length, 2, 'the secret past its grace is forgotten')
})

test('an unregistered URL or a URL that is not http(s) is refused with a stable code', async () => {
  await assert.rejects(
    db.transaction((tx) => enqueueWebhook(tx, { url: 'http://127.0.0.1:1/none', eventType: 'x', payload: {} })),
    { code: 'NOT_FOUND' },
  )
  await assert.rejects(
    db.transaction((tx) => createWebhookEndpoint(tx, { url: 'file:///etc/passwd' })),
    {
      code: 'VALIDATION_FAILED',
    },
  )
  await assert.rejects(
    db.transaction((tx) => createWebhookEndpoint(tx, { url: 'not a url' })),
    {
      code: 'VALIDATION_FAILED',
    },
  )
})

test('purging removes delivered messages older than the cutoff with their attempts, and keeps dead letters', async (t) => {
  // Earlier tests' delivered messages go first, so the counts below are this test's alone.
  await purgeDeliveredWebhooks(db, new Date('2100-01-01T00:00:00Z'))
  const { clock, worker } = setup([])
  const receiver = createReceiver()
  await receiver.start()
  t.after(() => receiver.stop())
  const { id: endpointId } = await endpointFor(receiver, clock)
  const delivered = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'd', payload: {}, clock }))
  await worker.runDue()
  receiver.state.answer = { status: 503, body: 'busy' }
  const dead = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'd', payload: {}, clock }))
  await worker.runDue()
  assert.equal((await getWebhookMessage(db, dead.id))?.status, 'dead', 'with no retries the first failure is final')

  assert.equal(await purgeDeliveredWebhooks(db, clock.now()), 0, 'delivered at the cutoff is not older than it')
  clock.advance(1)
  assert.equal(await purgeDeliveredWebhooks(db, clock.now()), 1)
  assert.equal(await getWebhookMessage(db, delivered.id), undefined)
  assert.deepEqual(await listWebhookAttempts(db, delivered.id), [])
  assert.equal((await getWebhookMessage(db, dead.id))?.status, 'dead')
})

test('a receiver that never answers costs one timeout per attempt, logged as such, and is retried', async (t) => {
  const clock = manualClock(new Date())
  const worker = createWorker({
    db,
    clock,
    handlers: {
      [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [1_000], timeoutMs: 200 }),
    },
  })
  // Accepts the request and never answers.
  const silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    silent.closeAllConnections()
    silent.close()
  })
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks`
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url, clock, allowPrivateNetworks: true }),
  )
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'e', payload: {} }))
  assert.equal(await worker.runDue(), 1)
  const [attempt] = await listWebhookAttempts(db, message.id)
  assert.equal(attempt.error, 'timeout')
  assert.equal(attempt.responseStatus, null)
  assert.ok(attempt.latencyMs >= 190 && attempt.latencyMs < 5_000, `latency ${attempt.latencyMs} ms`)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'pending', 'a retry is due')
  clock.advance(1_000)
  assert.equal(await worker.runDue(), 1)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'dead')
})
