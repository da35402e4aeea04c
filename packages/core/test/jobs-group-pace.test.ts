import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a group’s next job is claimed as soon as the one before it settles, not a poll interval later', async () => {
  const pollIntervalMs = 1_000
  const ran: number[] = []
  const worker = createWorker({
    db,
    clock: systemClock,
    pollIntervalMs,
    concurrency: 2,
    batchSize: 4,
    handlers: {
      paced: async (job) => {
        await sleep(10)
        ran.push((job.payload as { n: number }).n)
      },
    },
  })
  await db.transaction(async (tx) => {
    for (let n = 0; n < 6; n++) await enqueue(tx, 'paced', { n }, { group: 'cashbox:1' })
  })
  const started = Date.now()
  await worker.start()
  try {
    // The first claim waits for one poll interval; one job per poll would take six.
    const deadline = started + 3 * pollIntervalMs
    while (ran.length < 6 && Date.now() < deadline) await sleep(20)
  } finally {
    await worker.stop()
  }
  const elapsed = Date.now() - started
  assert.deepEqual(ran, [0, 1, 2, 3, 4, 5], `in order and all of them within ${elapsed} ms`)
  assert.ok(elapsed < 2.5 * pollIntervalMs, `six jobs of one group took ${elapsed} ms`)
})
