import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir, createWorker, enqueue } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('jobs run once, retries follow the schedule, and a job out of retries is marked dead', async () => {
  const clock = manualClock()
  const calls: string[] = []
  let failuresLeft = 1
  const worker = createWorker({
    db,
    clock,
    retrySchedule: [1_000],
    handlers: {
      ok: async (job) => {
        calls.push(`ok:${(job.payload as { n: number }).n}`)
      },
      flaky: async () => {
        calls.push('flaky')
        if (failuresLeft-- > 0) throw new Error('try again')
      },
      broken: async () => {
        calls.push('broken')
        throw new Error('never works')
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'ok', { n: 1 }, { dedupeKey: 'ok-1' })
    await enqueue(tx, 'ok', { n: 1 }, { dedupeKey: 'ok-1' })
    await enqueue(tx, 'flaky', {})
    await enqueue(tx, 'broken', {})
  })
  await worker.runDue()
  assert.deepEqual(calls.sort(), ['broken', 'flaky', 'ok:1'], 'the duplicate enqueue was ignored')
  assert.equal(await worker.runDue(), 0, 'failed jobs wait for their retry time')
  clock.advance(61_000)
  await worker.runDue()
  const { rows } = await db.query<{ kind: string; status: string; attempts: number }>(
    'SELECT kind, status, attempts FROM job ORDER BY kind',
  )
  assert.deepEqual(rows, [
    { kind: 'broken', status: 'dead', attempts: 2 },
    { kind: 'flaky', status: 'done', attempts: 2 },
    { kind: 'ok', status: 'done', attempts: 1 },
  ])
})

test('a job enqueued in a transaction that rolls back never exists', async () => {
  await assert.rejects(
    db.transaction(async (tx) => {
      await enqueue(tx, 'ok', { n: 2 })
      throw new Error('rollback')
    }),
  )
  const { rows } = await db.query(`SELECT 1 FROM job WHERE payload->>'n' = '2'`)
  assert.deepEqual(rows, [])
})
