import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Database } from '../src/db.ts'
import { AppError, coreMigrationsDir, exclusiveTransaction } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
  await db.exec('CREATE TABLE lock_a (n int); CREATE TABLE lock_b (n int)')
})
after(() => db.close())

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

/** Whether some session waits for a lock on the table right now. */
async function someoneWaitsFor(table: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = $1 AND NOT l.granted`,
    [table],
  )
  return rows.length > 0
}

describe('exclusiveTransaction', () => {
  test('runs the body with the tables locked and returns its result; a failing body is not run again', async () => {
    assert.equal(
      await exclusiveTransaction(db, ['lock_b', 'lock_a'], async (tx) => {
        await tx.query('INSERT INTO lock_a VALUES (1)')
        return 'done'
      }),
      'done',
    )
    let runs = 0
    await assert.rejects(
      exclusiveTransaction(db, ['lock_a'], async (tx) => {
        runs++
        await tx.query('INSERT INTO lock_a VALUES (2)')
        throw Object.assign(new Error('body failed'), { code: '57014' })
      }),
      /body failed/,
    )
    assert.equal(runs, 1)
    assert.deepEqual((await db.query('SELECT n FROM lock_a')).rows, [{ n: 1 }], 'the failed body rolled back')
    await db.exec('TRUNCATE lock_a')
  })

  test('refuses names that are not plain table names', async () => {
    for (const tables of [[], ['lock_a; DROP TABLE lock_b'], ['"lock_a"']]) {
      await assert.rejects(
        exclusiveTransaction(db, tables, async () => undefined),
        TypeError,
      )
    }
  })

  test('a writer that holds a later table and then asks for an earlier one is not deadlocked: the locker yields', {
    skip: !onPostgres && 'lock waits need PostgreSQL',
  }, async () => {
    let releaseWriter!: () => void
    const writerMayFinish = new Promise<void>((resolve) => {
      releaseWriter = resolve
    })
    let wroteB!: () => void
    const writerHoldsB = new Promise<void>((resolve) => {
      wroteB = resolve
    })
    const writer = db.transaction(async (tx) => {
      await tx.query('INSERT INTO lock_b VALUES (1)')
      wroteB()
      await writerMayFinish
      // Asks for lock_a, which the locker already holds while it waits for lock_b: a cycle.
      await tx.query('INSERT INTO lock_a VALUES (1)')
    })
    await writerHoldsB
    let attempts = 0
    const lockerStarted = Date.now()
    const locker = exclusiveTransaction(db, ['lock_a', 'lock_b'], async (tx) => {
      attempts++
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM lock_a')).rows[0].n
    })
    while (!(await someoneWaitsFor('lock_b'))) await sleep(5)
    const { rows } = await db.query<{ ms: number }>(
      `SELECT setting::int AS ms FROM pg_settings WHERE name = 'deadlock_timeout'`,
    )
    releaseWriter()
    await writer
    // PostgreSQL looks for a deadlock only after a session has waited deadlock_timeout, and then breaks it by
    // aborting someone. The locker gave up its wait before any such check could run.
    const waited = Date.now() - lockerStarted
    assert.ok(waited < rows[0].ms, `the writer finished ${waited} ms after the locker began`)
    assert.equal(await locker, 1, 'the locker ran after the writer committed')
    assert.equal(attempts, 1)
    await db.exec('TRUNCATE lock_a, lock_b')
  })

  test('gives up with 503 DATABASE_BUSY when the tables stay held past its deadline', {
    skip: !onPostgres && 'lock waits need PostgreSQL',
  }, async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let started!: () => void
    const holding = new Promise<void>((resolve) => {
      started = resolve
    })
    const holder = db.transaction(async (tx) => {
      await tx.query('INSERT INTO lock_b VALUES (1)')
      started()
      await held
    })
    await holding
    const began = Date.now()
    await assert.rejects(
      exclusiveTransaction(db, ['lock_b'], async () => undefined, { lockWaitMs: 50, deadlineMs: 300 }),
      (error: unknown) => error instanceof AppError && error.code === 'DATABASE_BUSY' && error.retryAfterMs === 1_000,
    )
    assert.ok(Date.now() - began < 2_000)
    release()
    await holder
    await db.exec('TRUNCATE lock_b')
  })
})
