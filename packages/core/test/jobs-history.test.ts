import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { clearJobs, coreMigrationsDir, createWorker, enqueue, jobAttempts, RetryLater } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

const idOf = async (dedupeKey: string) =>
  (await db.query<{ id: number }>('SELECT id FROM job WHERE dedupe_key = $1', [dedupeKey])).rows[0].id

test('every run of a job is in its attempt history: outcome, times, worker, and the error cut short', async () => {
  const clock = manualClock()
  const outcomes = ['wait', 'fail', 'ok']
  const worker = createWorker({
    db,
    clock,
    workerId: 'host-a#0',
    retrySchedule: [1_000],
    handlers: {
      story: async () => {
        clock.advance(40)
        const next = outcomes.shift()
        if (next === 'wait') throw new RetryLater(100, 'projection lag')
        if (next === 'fail') throw new Error(`partner down: ${'x'.repeat(5_000)}`)
      },
      doomed: async () => {
        throw new Error('never works')
      },
    },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'story', {}, { dedupeKey: 'story-1' })
    await enqueue(tx, 'doomed', {}, { dedupeKey: 'doomed-1' })
  })
  const start = clock.now().getTime()
  for (let i = 0; i < 3; i++) {
    await worker.runDue()
    clock.advance(1_000)
  }
  const story = await jobAttempts(db, await idOf('story-1'))
  assert.deepEqual(
    story.map(({ attempt, outcome, workerId }) => ({ attempt, outcome, workerId })),
    [
      { attempt: 1, outcome: 'waiting', workerId: 'host-a#0' },
      { attempt: 1, outcome: 'failed', workerId: 'host-a#0' },
      { attempt: 2, outcome: 'done', workerId: 'host-a#0' },
    ],
    'a RetryLater wait keeps its attempt number',
  )
  assert.equal(story[0].error, 'projection lag')
  assert.equal(story[1].error?.length, 2_000, 'the error is cut to 2 000 characters')
  assert.ok(story[1].error?.startsWith('partner down: xxx'))
  assert.equal(story[2].error, null)
  for (const run of story) assert.equal(run.finishedAt!.getTime() - run.startedAt.getTime(), 40)
  assert.ok(story[0].startedAt.getTime() >= start)
  const doomed = await jobAttempts(db, await idOf('doomed-1'))
  assert.deepEqual(
    doomed.map(({ attempt, outcome }) => ({ attempt, outcome })),
    [
      { attempt: 1, outcome: 'failed' },
      { attempt: 2, outcome: 'dead' },
    ],
  )
})

test('a run whose worker died stays in the history without an outcome', async () => {
  const clock = manualClock()
  const crashed = createWorker({
    db,
    clock,
    workerId: 'host-b#0',
    handlers: { hang: () => new Promise<void>(() => {}) },
  })
  await db.transaction((tx) => enqueue(tx, 'hang', {}, { dedupeKey: 'hang-1' }))
  void crashed.runDue()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const [run] = await jobAttempts(db, await idOf('hang-1'))
  assert.deepEqual(
    { attempt: run.attempt, workerId: run.workerId, finishedAt: run.finishedAt, outcome: run.outcome },
    { attempt: 1, workerId: 'host-b#0', finishedAt: null, outcome: null },
  )
})

test('clearJobs clears only the finished jobs of the kinds it is given, with their history', async () => {
  const clock = manualClock()
  const worker = createWorker({
    db,
    clock,
    handlers: { ours: async () => {}, theirs: async () => {} },
  })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'ours', {}, { dedupeKey: 'ours-done' })
    await enqueue(tx, 'theirs', {}, { dedupeKey: 'theirs-done' })
  })
  await worker.runDue()
  await db.transaction((tx) =>
    enqueue(tx, 'ours', {}, { dedupeKey: 'ours-pending', runAt: new Date('2100-01-01T00:00:00Z') }),
  )
  const ours = await idOf('ours-done')
  const theirs = await idOf('theirs-done')

  await db.transaction((tx) => clearJobs(tx, { kinds: ['ours'] }))
  const left = await db.query(`SELECT dedupe_key FROM job WHERE kind IN ('ours', 'theirs') ORDER BY dedupe_key`)
  assert.deepEqual(
    left.rows.map((row) => row.dedupe_key),
    ['ours-pending', 'theirs-done'],
    'a pending job of the kind and another kind stay',
  )
  assert.deepEqual(await jobAttempts(db, ours), [], 'the cleared job took its history with it')
  assert.equal((await jobAttempts(db, theirs)).length, 1, 'the other kind keeps its history')

  // With only finished jobs of the kinds in the table, the table is emptied at once (TRUNCATE).
  await db.query(`DELETE FROM job WHERE dedupe_key = 'ours-pending'`)
  await db.query(`DELETE FROM job WHERE kind NOT IN ('ours', 'theirs')`)
  await db.transaction((tx) => clearJobs(tx, { kinds: ['ours', 'theirs'] }))
  assert.deepEqual((await db.query('SELECT id FROM job')).rows, [])
  assert.deepEqual((await db.query('SELECT id FROM job_attempt')).rows, [])
})
