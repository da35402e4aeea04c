/**
 * A delivery worker killed with SIGKILL while a delivery is in flight loses nothing: the next incarnation (same worker
 * identity, as a restarted service has) takes its jobs back at once, every message arrives, and the reference
 * receiver processes the repeated one once. The worker runs in a child process; the database is PGlite in a folder
 * (opened by one process at a time) or, with TEST_DATABASE_URL, a fresh PostgreSQL database.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { test } from 'node:test'
import { type Database, openDatabase } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { eventually, startReferenceWebhookReceiver, testDataLocation } from '../src/testing/index.ts'
import { createWebhookEndpoint } from '../src/webhooks/endpoints.ts'
import { enqueueWebhook, listWebhookAttempts, listWebhookMessages } from '../src/webhooks/outbox.ts'

const WORKER = new URL('./fixtures/webhook-worker.ts', import.meta.url).pathname

/** Where the test's database lives (a URL or a PGlite folder, as the worker takes it), and how to open it here. */
async function testDatabase(): Promise<{ target: string; open: () => Promise<Database>; drop: () => Promise<void> }> {
  const location = await testDataLocation()
  return {
    target: location.url ?? location.dataDir!,
    open: () =>
      openDatabase({ url: location.url, dataDir: location.dataDir, migrationsDir: coreMigrationsDir, poolSize: 4 }),
    drop: () => location.drop(),
  }
}

/** Starts the worker process and waits for its `ready` line; resolves with it and the jobs it took back. */
async function startWorker(target: string, workerId: string): Promise<{ child: ChildProcess; reclaimed: number }> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, WEBHOOK_DB: target, WORKER_ID: workerId },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const reclaimed = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const ready = /ready (\d+)/.exec(out)
      if (ready) resolve(Number(ready[1]))
    })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)))
  })
  return { child, reclaimed }
}

function exited(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve))
}

test('a worker killed with SIGKILL mid-delivery loses nothing; the receiver processes the repeat once', async (t) => {
  const database = await testDatabase()
  t.after(() => database.drop())
  const receiver = await startReferenceWebhookReceiver()
  t.after(() => receiver.stop())
  const shared = process.env.TEST_DATABASE_URL !== undefined

  let db = await database.open()
  const { id: endpointId, secret } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: receiver.url, allowPrivateNetworks: true }),
  )
  receiver.state.secret = secret
  const count = 10
  await db.transaction(async (tx) => {
    for (let n = 1; n <= count; n++) {
      await enqueueWebhook(tx, {
        endpointId,
        eventType: 'payment.paid',
        body: JSON.stringify({ n, text: 'Оплата/тур' }),
      })
    }
  })
  // PGlite is one process's at a time: the worker opens it next.
  if (!shared) await db.close()

  receiver.state.holdAnswers = true
  const first = await startWorker(database.target, 'webhook-worker-1')
  t.after(() => first.child.kill('SIGKILL'))
  const inFlight = await receiver.nextHeld()
  // The receiver has processed the message; the worker has not heard back and has written nothing about it.
  first.child.kill('SIGKILL')
  await exited(first.child)
  assert.equal(first.child.signalCode, 'SIGKILL')
  receiver.releaseAnswers()

  const second = await startWorker(database.target, 'webhook-worker-1')
  t.after(() => second.child.kill('SIGKILL'))
  assert.ok(second.reclaimed >= 1, 'the restarted worker takes back the jobs of the one that died')
  await eventually(async () => receiver.state.processed.length === count, 20_000, 'every message processed')
  await eventually(async () => receiver.get(inFlight)?.deliveries === 2, 20_000, 'the interrupted one repeated')
  second.child.kill('SIGTERM')
  await exited(second.child)

  if (!shared) db = await database.open()
  t.after(() => db.close())
  const messages = await listWebhookMessages(db, { endpointId })
  assert.equal(messages.length, count)
  assert.deepEqual(
    messages.map((m) => m.status),
    Array(count).fill('delivered'),
  )
  assert.deepEqual(
    receiver.state.processed.map((p) => p.id).sort(),
    messages.map((m) => m.publicId).sort(),
    'each message processed exactly once',
  )
  assert.equal(receiver.state.duplicates, 1, 'only the interrupted delivery was repeated')
  assert.deepEqual(receiver.state.refused, [])
  const interrupted = messages.find((m) => m.publicId === inFlight)
  assert.ok(interrupted)
  // The killed attempt left no row (it died before writing one); the repeat is logged.
  assert.deepEqual(
    (await listWebhookAttempts(db, interrupted.id)).map((a) => a.responseStatus),
    [200],
  )
})
