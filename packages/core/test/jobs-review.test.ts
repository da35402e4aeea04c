import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue, enqueueKeyed } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { drainWith } from './jobs-drain.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

type Step = { group: string; n: number }

test('a pipelined run re-armed while it runs does not run again beside the next job when that job outlasts a lease', async () => {
  const ran: string[] = []
  let inGroup = 0
  let peak = 0
  let rearmed = false
  const leaseMs = 300
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'review-rearm',
    pollIntervalMs: 5,
    concurrency: 3,
    leaseMs,
    handlers: {
      'review-rearm': {
        pipelined: true,
        async run(job) {
          const { n } = job.payload as Step
          inGroup++
          peak = Math.max(peak, inGroup)
          try {
            if (n === 0 && !rearmed) {
              rearmed = true
              await sleep(40)
              await db.transaction((tx) =>
                enqueueKeyed(tx, 'review-rearm', 'review-rearm-0', { group: 'rr-1', n: 0 }, { group: 'rr-1' }),
              )
            } else if (n === 1) {
              // The next job is slow: a partner timing out, its lease renewed all along.
              await sleep(leaseMs * 4)
            }
            ran.push(String(n))
          } finally {
            inGroup--
          }
        },
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueueKeyed(tx, 'review-rearm', 'review-rearm-0', { group: 'rr-1', n: 0 }, { group: 'rr-1' })
    await enqueue(tx, 'review-rearm', { group: 'rr-1', n: 1 }, { group: 'rr-1' })
  })
  await drainWith(db, [worker], ['review-rearm'], 20_000)
  assert.equal(peak, 1, 'two jobs of the group ran at once')
  assert.deepEqual(ran, ['0', '1', '0'])
})
