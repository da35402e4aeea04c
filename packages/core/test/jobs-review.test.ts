import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue, enqueueKeyed } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { drained, drainWith } from './jobs-drain.ts'

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

test('a run re-armed by a transaction that commits while its settle statement waits for the row chains nothing past it', async (t) => {
  // Two connections at once: PostgreSQL only (PGlite runs one statement at a time).
  if (db.kind !== 'postgres') return t.skip('needs PostgreSQL')
  const ran: string[] = []
  let inGroup = 0
  let peak = 0
  let rearm: Promise<void> | undefined
  let commit!: () => void
  const gate = new Promise<void>((resolve) => {
    commit = resolve
  })
  const worker = createWorker({
    db,
    clock: systemClock,
    workerId: 'review-race',
    pollIntervalMs: 5,
    concurrency: 2,
    handlers: {
      'review-race': async (job) => {
        const { n } = job.payload as Step
        inGroup++
        peak = Math.max(peak, inGroup)
        try {
          if (n === 0 && rearm === undefined) {
            let armed!: () => void
            const locked = new Promise<void>((resolve) => {
              armed = resolve
            })
            // A saga step re-arms the job in a transaction that goes on after the re-arm (it holds the row).
            rearm = db.transaction(async (tx) => {
              await enqueueKeyed(tx, 'review-race', 'review-race-0', { group: 'rc-1', n: 0 }, { group: 'rc-1' })
              armed()
              await gate
            })
            await locked
          } else {
            await sleep(300)
          }
          ran.push(String(n))
        } finally {
          inGroup--
        }
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueueKeyed(tx, 'review-race', 'review-race-0', { group: 'rc-1', n: 0 }, { group: 'rc-1' })
    await enqueue(tx, 'review-race', { group: 'rc-1', n: 1 }, { group: 'rc-1' })
  })
  await worker.start()
  try {
    // The settle statement of the first run has begun and waits for the re-arming transaction's row lock.
    for (let i = 0; ; i++) {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
      if (rows.length > 0) break
      assert.ok(i < 500, 'the settle statement never waited for the row')
      await sleep(10)
    }
    commit()
    await rearm
    await drained(db, ['review-race'], 20_000)
  } finally {
    commit()
    await worker.stop()
  }
  assert.deepEqual({ peak, ran }, { peak: 1, ran: ['0', '0', '1'] }, 'two jobs of the group ran at once')
})
