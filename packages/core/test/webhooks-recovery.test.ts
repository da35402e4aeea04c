/**
 * Getting every message through: the 3-day retry schedule as data, a receiver refusing connections for a while under
 * polling workers, bulk resend of a time range, and the per-endpoint delivery statistics an admin view shows.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { manualClock, systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { eventually, openTestDatabase, startReferenceWebhookReceiver } from '../src/testing/index.ts'
import { createWebhookDeliveryJob, WEBHOOK_RETRY_SCHEDULE_3_DAYS } from '../src/webhooks/delivery.ts'
import { createWebhookEndpoint, disableWebhookEndpoint } from '../src/webhooks/endpoints.ts'
import {
  enqueueWebhook,
  getWebhookMessage,
  listWebhookAttempts,
  listWebhookMessages,
  resendWebhooks,
  WEBHOOK_DELIVERY_JOB,
  webhookDeliveryStats,
} from '../src/webhooks/outbox.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

const HOUR = 3_600_000

test('the 3-day schedule is data: about three days in all, backing off, and a message rides it to the end', async (t) => {
  const schedule = WEBHOOK_RETRY_SCHEDULE_3_DAYS
  const total = schedule.reduce((a, b) => a + b, 0)
  assert.ok(total >= 70 * HOUR && total <= 74 * HOUR, `total ${total / HOUR} h`)
  assert.equal(schedule[0], 5_000)
  assert.ok(
    schedule.every((delay, i) => delay > 0 && (i === 0 || delay >= schedule[i - 1])),
    'never shorter than the last',
  )
  assert.equal(schedule.length, 11, 'twelve attempts in all')

  const start = new Date()
  const clock = manualClock(start)
  const receiver = await startReferenceWebhookReceiver({ clock })
  t.after(() => receiver.stop())
  receiver.state.failWith = 503
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  receiver.state.secret = secret
  const worker = createWorker({
    db,
    clock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: schedule }) },
  })
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'paid', body: '{}', clock }))
  assert.equal(await worker.runDue(), 1)
  for (const delay of schedule) {
    clock.advance(delay - 1)
    assert.equal(await worker.runDue(), 0, 'not before its time')
    clock.advance(1)
    assert.equal(await worker.runDue(), 1)
  }
  clock.advance(7 * 24 * HOUR)
  assert.equal(await worker.runDue(), 0, 'no attempt after the last')
  const attempts = await listWebhookAttempts(db, message.id)
  assert.equal(attempts.length, schedule.length + 1)
  let offset = 0
  for (const [i, attempt] of attempts.entries()) {
    assert.equal(attempt.attemptedAt.getTime() - start.getTime(), offset, `attempt ${i + 1}`)
    assert.equal(attempt.responseStatus, 503)
    offset += schedule[i] ?? 0
  }
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'dead')

  // The receiver is back: one bulk resend of the dead letters of those three days delivers it.
  receiver.state.failWith = null
  const resent = await resendWebhooks(db, { endpointId, from: start, to: clock.now() })
  assert.deepEqual(resent, [message.id])
  assert.equal(await worker.runDue(), 1)
  assert.equal(receiver.get(message.publicId)?.deliveries, 1)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'delivered')
})

test('a receiver refusing connections for a while, under two polling workers: every message arrives, once', async (t) => {
  const receiver = await startReferenceWebhookReceiver()
  t.after(() => receiver.stop())
  await receiver.stop()
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true }),
  )
  receiver.state.secret = secret
  const workers = [1, 2].map(() =>
    createWorker({
      db,
      clock: systemClock,
      pollIntervalMs: 20,
      concurrency: 4,
      handlers: {
        [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({
          db,
          clock: systemClock,
          retrySchedule: Array(50).fill(150),
        }),
      },
    }),
  )
  for (const worker of workers) await worker.start()
  t.after(() => Promise.all(workers.map((worker) => worker.stop())))
  const count = 30
  const sent = await db.transaction(async (tx) => {
    const ids: string[] = []
    for (let n = 0; n < count; n++) {
      const body = JSON.stringify({ n, description: 'Оплата тура / 🌴' })
      ids.push((await enqueueWebhook(tx, { endpointId, eventType: 'paid', body, subject: 'outage' })).publicId)
    }
    return ids
  })
  // Down long enough for every message to fail more than once.
  await eventually(
    async () => {
      const { rows } = await db.query<{ failed: number }>(
        `SELECT count(DISTINCT message_id)::int AS failed FROM webhook_attempt a
         JOIN webhook_message m ON m.id = a.message_id WHERE m.subject = 'outage' AND a.error IS NOT NULL`,
      )
      return rows[0].failed === count
    },
    20_000,
    'every message refused at least once',
  )
  await new Promise((resolve) => setTimeout(resolve, 500))
  await receiver.start()
  await eventually(
    async () => (await listWebhookMessages(db, { subject: 'outage', status: 'delivered' })).length === count,
    20_000,
    'all delivered',
  )
  assert.deepEqual(receiver.state.processed.map((p) => p.id).sort(), [...sent].sort())
  assert.equal(receiver.state.duplicates, 0, 'no message was delivered twice')
  assert.deepEqual(receiver.state.refused, [])
  for (const message of await listWebhookMessages(db, { subject: 'outage' })) {
    const attempts = await listWebhookAttempts(db, message.id)
    assert.ok(attempts.length >= 2)
    assert.ok(attempts.slice(0, -1).every((a) => a.responseStatus === null && /ECONNREFUSED/.test(a.error ?? '')))
    assert.equal(attempts.at(-1)?.responseStatus, 200)
  }
})

test('bulk resend picks dead (or delivered) messages of a time range, an endpoint or a subject, page by page', async (t) => {
  const start = new Date()
  const clock = manualClock(start)
  const receiver = await startReferenceWebhookReceiver({ clock })
  t.after(() => receiver.stop())
  receiver.state.failWith = 500
  const endpoint = async () => {
    const { id, secret } = await db.transaction((tx) =>
      createWebhookEndpoint(tx, { key: `bulk:${Math.random()}`, url: receiver.url, allowPrivateNetworks: true, clock }),
    )
    receiver.state.secret = secret
    return id
  }
  // One secret for both, so the receiver verifies either.
  const a = await endpoint()
  const secret = receiver.state.secret
  const { id: b } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, {
      key: `bulk:b:${Math.random()}`,
      url: receiver.url,
      secret,
      allowPrivateNetworks: true,
      clock,
    }),
  )
  const worker = createWorker({
    db,
    clock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [] }) },
  })
  // Hour by hour, one message to each endpoint; with no retries each is dead at its first failure.
  const sent: { endpoint: number; id: number; hour: number }[] = []
  for (let hour = 0; hour < 5; hour++) {
    for (const endpointId of [a, b]) {
      const body = JSON.stringify({ hour, endpointId })
      const { id } = await db.transaction((tx) =>
        enqueueWebhook(tx, { endpointId, eventType: 'paid', body, subject: `hour:${hour}`, clock }),
      )
      sent.push({ endpoint: endpointId, id, hour })
    }
    await worker.runDue()
    clock.advance(HOUR)
  }
  assert.equal((await listWebhookMessages(db, { endpointId: a, status: 'dead' })).length, 5)
  receiver.state.failWith = null

  // Hours 1 to 3 of endpoint a, two per call.
  const range = { endpointId: a, from: new Date(start.getTime() + HOUR), to: new Date(start.getTime() + 4 * HOUR) }
  const expected = sent.filter((s) => s.endpoint === a && s.hour >= 1 && s.hour <= 3).map((s) => s.id)
  const firstPage = await resendWebhooks(db, { ...range, limit: 2 })
  const secondPage = await resendWebhooks(db, { ...range, limit: 2 })
  assert.deepEqual([...firstPage, ...secondPage], expected, 'oldest first, each once')
  assert.deepEqual(await resendWebhooks(db, range), [], 'pending messages are not resent again')
  assert.equal(await worker.runDue(), 3)
  assert.equal(receiver.state.processed.length, 3)
  for (const s of sent) {
    const status = (await getWebhookMessage(db, s.id))?.status
    assert.equal(status, expected.includes(s.id) ? 'delivered' : 'dead', `message of hour ${s.hour}`)
  }

  // By subject, across endpoints; a disabled endpoint's messages wait until it is enabled.
  await disableWebhookEndpoint(db, b, 'operator', clock)
  assert.deepEqual(
    await resendWebhooks(db, { subject: 'hour:4' }),
    sent.filter((s) => s.hour === 4 && s.endpoint === a).map((s) => s.id),
  )
  await worker.runDue()

  // Replaying delivered messages to a receiver that lost its data: it sees known ids and does not process them twice.
  const replayed = await resendWebhooks(db, { endpointId: a, statuses: ['delivered'], from: start })
  assert.equal(replayed.length, 4)
  assert.equal(await worker.runDue(), 4)
  assert.equal(receiver.state.duplicates, 4)
  assert.equal(receiver.state.processed.length, 4)
  await assert.rejects(resendWebhooks(db, { statuses: [] }), { code: 'VALIDATION_FAILED' })
  await assert.rejects(resendWebhooks(db, { limit: 0 }), { code: 'VALIDATION_FAILED' })
})

test('delivery statistics per endpoint: attempts, success rate, no answers, latency, backlog', async (t) => {
  const clock = manualClock(new Date())
  const receiver = await startReferenceWebhookReceiver({ clock })
  t.after(() => receiver.stop())
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { key: 'stats', url: receiver.url, allowPrivateNetworks: true, clock }),
  )
  receiver.state.secret = secret
  const worker = createWorker({
    db,
    clock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [60_000] }) },
  })
  const windowStart = clock.now()
  const send = async (n: number) => {
    await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'paid', body: `{"n":${n}}`, clock }))
    await worker.runDue()
  }
  await send(1)
  await send(2)
  receiver.state.failWith = 500
  await send(3)
  await receiver.stop()
  await send(4)
  await receiver.start()
  receiver.state.failWith = null

  const [stats] = await webhookDeliveryStats(db, {
    endpointId,
    from: windowStart,
    to: new Date(clock.now().getTime() + 1),
  })
  assert.equal(stats.endpointId, endpointId)
  assert.equal(stats.key, 'stats')
  assert.equal(stats.attempts, 4)
  assert.equal(stats.succeeded, 2)
  assert.equal(stats.successRate, 0.5)
  assert.equal(stats.noAnswer, 1)
  assert.equal(stats.pending, 2, 'two messages wait for their retry')
  assert.equal(stats.dead, 0)
  for (const value of Object.values(stats.latencyMs)) assert.ok(typeof value === 'number' && value >= 0)
  assert.ok((stats.latencyMs.p50 ?? 0) <= (stats.latencyMs.p95 ?? 0))
  assert.ok((stats.latencyMs.p95 ?? 0) <= (stats.latencyMs.max ?? 0))
  assert.ok(stats.lastSuccessAt instanceof Date && stats.lastAttemptAt instanceof Date)

  // A later window holds only the retries, both delivered; the endpoint shows among all endpoints.
  clock.advance(60_000)
  const retriesFrom = clock.now()
  assert.equal(await worker.runDue(), 2)
  const all = await webhookDeliveryStats(db, { from: retriesFrom, to: new Date(clock.now().getTime() + 1) })
  const later = all.find((s) => s.endpointId === endpointId)
  assert.equal(later?.attempts, 2)
  assert.equal(later?.successRate, 1)
  assert.equal(later?.pending, 0)
  // An endpoint with nothing in the window and no backlog is still shown when asked for.
  const [quiet] = await webhookDeliveryStats(db, { endpointId, from: new Date(0), to: new Date(1) })
  assert.equal(quiet.attempts, 0)
  assert.equal(quiet.successRate, null)
  assert.deepEqual(quiet.latencyMs, { avg: null, p50: null, p95: null, max: null })
})
