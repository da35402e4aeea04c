import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, type TestContext, test } from 'node:test'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { eventually, openTestDatabase } from '../src/testing/index.ts'
import { createWebhookDeliveryJob, MAX_LOGGED_RESPONSE_BYTES } from '../src/webhooks/delivery.ts'
import { createWebhookEndpoint } from '../src/webhooks/endpoints.ts'
import { enqueueWebhook, getWebhookMessage, listWebhookAttempts, WEBHOOK_DELIVERY_JOB } from '../src/webhooks/outbox.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

/** Delivers one message to a receiver that answers with `answer`, and returns the message and its attempt. */
async function deliverTo(t: TestContext, answer: (response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => answer(response))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  const clock = manualClock(new Date())
  const worker = createWorker({
    db,
    clock,
    handlers: {
      [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [1_000], timeoutMs: 500 }),
    },
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url, clock, allowPrivateNetworks: true }),
  )
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'e', payload: {} }))
  const started = performance.now()
  assert.equal(await worker.runDue(), 1)
  const elapsed = performance.now() - started
  const [attempt] = await listWebhookAttempts(db, message.id)
  return { attempt, elapsed, status: (await getWebhookMessage(db, message.id))?.status }
}

test('a 10 MB answer is read only as far as the log keeps, and quickly', async (t) => {
  const { attempt, elapsed, status } = await deliverTo(t, (response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.end(Buffer.alloc(10 * 1024 * 1024, 'x'))
  })
  assert.equal(status, 'delivered')
  assert.equal(attempt.responseBody?.length, MAX_LOGGED_RESPONSE_BYTES)
  assert.ok(elapsed < 2_000, `${Math.round(elapsed)} ms`)
})

test('an answer whose body never ends costs at most the timeout', async (t) => {
  const { attempt, elapsed } = await deliverTo(t, (response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.write('partial')
  })
  assert.equal(attempt.responseStatus, 200)
  assert.ok(elapsed < 2_000, `${Math.round(elapsed)} ms`)
})

test('a redirect is not followed: a failed attempt, retried', async (t) => {
  const { attempt, status } = await deliverTo(t, (response) => {
    response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
  })
  assert.equal(attempt.responseStatus, 302)
  assert.equal(status, 'pending')
})

test('a binary answer with NUL bytes and broken UTF-8 is logged, not a failed insert', async (t) => {
  const { attempt, status } = await deliverTo(t, (response) => {
    response.writeHead(500, { 'content-type': 'application/octet-stream' })
    response.end(Buffer.from([0, 0xff, 0xfe, 0x41, 0, 0xc3]))
  })
  assert.equal(attempt.responseStatus, 500)
  assert.equal(typeof attempt.responseBody, 'string')
  assert.ok(!attempt.responseBody?.includes('\0'))
  assert.equal(status, 'pending')
})

test('an endpoint that hangs until the timeout does not hold up deliveries to a healthy one', async (t) => {
  let hangingCalls = 0
  // Takes the request and never answers: its delivery waits out the whole timeout.
  const hanging = createServer(() => {
    hangingCalls++
  })
  const healthy = createServer((request, response) => {
    request.resume()
    request.on('end', () => response.writeHead(204).end())
  })
  for (const server of [hanging, healthy]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => {
      server.closeAllConnections()
      server.close()
    })
  }
  const urlOf = (server: typeof hanging) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  const clock = manualClock(new Date())
  const [slowEndpoint, fastEndpoint] = await db.transaction(async (tx) => [
    await createWebhookEndpoint(tx, { url: urlOf(hanging), clock, allowPrivateNetworks: true }),
    await createWebhookEndpoint(tx, { url: urlOf(healthy), clock, allowPrivateNetworks: true }),
  ])
  const timeoutMs = 3_000
  const worker = createWorker({
    db,
    clock,
    concurrency: 4,
    batchSize: 8,
    pollIntervalMs: 20,
    handlers: {
      [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [60_000], timeoutMs }),
    },
  })
  const stuck = await db.transaction((tx) =>
    enqueueWebhook(tx, { endpointId: slowEndpoint.id, eventType: 'e', payload: {} }),
  )
  await worker.start()
  try {
    await eventually(async () => hangingCalls === 1, 5_000, 'the hanging endpoint called')
    const enqueuedAt = performance.now()
    const messages = await db.transaction(async (tx) => {
      const written = []
      for (let n = 0; n < 6; n++) {
        written.push(await enqueueWebhook(tx, { endpointId: fastEndpoint.id, eventType: 'e', payload: { n } }))
      }
      return written
    })
    await eventually(
      async () => {
        const statuses = await Promise.all(messages.map(async (m) => (await getWebhookMessage(db, m.id))?.status))
        return statuses.every((status) => status === 'delivered')
      },
      timeoutMs,
      'the healthy endpoint’s six messages delivered',
    )
    const elapsed = performance.now() - enqueuedAt
    assert.ok(elapsed < 1_500, `delivered ${Math.round(elapsed)} ms after they were written (timeout ${timeoutMs} ms)`)
    assert.deepEqual(await listWebhookAttempts(db, stuck.id), [], 'the hanging delivery is still waiting')
  } finally {
    await worker.stop()
  }
  const [attempt] = await listWebhookAttempts(db, stuck.id)
  assert.equal(attempt.error, 'timeout')
})
