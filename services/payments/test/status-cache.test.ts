/**
 * The status cache (GET …/status and GET …/{id} of a payment that is not processing): answered from memory while the
 * payment has not changed, never stale after a change made here, in another process (migration 007's NOTIFY) or by
 * plain SQL, never past expires_at, and off while the LISTEN connection is down. PostgreSQL-only tests run two app
 * instances on one database, as two `kokdala serve payments` processes would.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { type Clock, manualClock } from '@kokdala/core'
import { countingDatabase, eventually, openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import { createFakeTerminalPool } from './fake-terminal-pool.ts'
import { client } from './harness.ts'

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)
const closers: (() => Promise<unknown>)[] = []
after(async () => {
  for (const close of closers.reverse()) await close()
})

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>

async function freshDatabase(): Promise<TestDb> {
  const db = await openTestDatabase(paymentsMigrations)
  closers.push(() => db.close())
  return db
}

/** One app instance on `db` (its own status cache and, on PostgreSQL, its own LISTEN connection), statements counted. */
async function instance(db: TestDb, clock?: Clock) {
  const counted = countingDatabase(db)
  const config = loadPaymentsConfig({ LOG_LEVEL: 'silent', ...(db.url ? { DATABASE_URL: db.url } : {}) })
  const terminals = createFakeTerminalPool()
  const built = await buildPaymentsApp({
    config,
    db: counted.db,
    clock,
    background: false,
    overrides: { pool: terminals.pool },
  })
  closers.push(() => built.app.close())
  await built.services.changes.start()
  const api = client(built, await built.services.sources.createToken(`src-${Math.random()}`).then((t) => t.token))
  /** The status answer and how many statements it took. */
  const status = async (id: string) => {
    const before = counted.counter.queries
    const answer = await api.status(id)
    assert.equal(answer.status, 200)
    return { status: answer.body.data.status as string, statements: counted.counter.queries - before }
  }
  return { built, api, status, terminals }
}

const created = async (api: ReturnType<typeof client>) => {
  const answer = await api.init({ amount: 50000 })
  assert.equal(answer.status, 201)
  return answer.body.data.transaction_id as string
}

describe('status cache, one process', () => {
  test('a pending payment costs one statement, then none until it changes here; the change is seen at once', async () => {
    const { api, status } = await instance(await freshDatabase())
    const id = await created(api)
    assert.deepEqual(await status(id), { status: 'pending', statements: 1 })
    assert.deepEqual(await status(id), { status: 'pending', statements: 0 })
    assert.equal((await api.cancel(id)).status, 200)
    assert.deepEqual(await status(id), { status: 'cancelled', statements: 1 })
    // On PostgreSQL the cancel's own notification may arrive after that read and empty the entry once: one more read.
    await eventually(async () => (await status(id)).statements === 0, 5_000, 'the new answer to be kept')
    assert.deepEqual(await status(id), { status: 'cancelled', statements: 0 })
  })

  test('a /kaspi attempt empties the entry: the payment is processing and asked about on every check', async () => {
    const { api, status, built } = await instance(await freshDatabase())
    const id = await created(api)
    await status(id)
    assert.equal((await api.kaspi(id, 'kaspi_gold')).status, 200)
    const first = await status(id)
    assert.equal(first.status, 'processing')
    assert.ok(first.statements >= 1)
    assert.ok((await status(id)).statements >= 1, 'processing is never answered from memory')
    assert.equal(built.services.changes.live, true)
  })

  test('a cached pending payment is read again once expires_at passes, and answers expired once the sweep ran', async () => {
    const clock = manualClock(new Date('2026-01-13T09:30:00Z'))
    const { api, status, built } = await instance(await freshDatabase(), clock)
    const id = await created(api)
    assert.deepEqual(await status(id), { status: 'pending', statements: 1 })
    assert.deepEqual(await status(id), { status: 'pending', statements: 0 })
    clock.advance(60 * 60_000)
    assert.deepEqual(await status(id), { status: 'pending', statements: 1 }, 'past expires_at: from the database')
    assert.deepEqual(await status(id), { status: 'pending', statements: 1 }, 'and not kept')
    assert.equal(await built.services.payments.expireDue(), 1)
    assert.equal((await status(id)).status, 'expired')
  })

  test('a change made by plain SQL, around the code, is seen through the NOTIFY of migration 007', {
    skip: !onPostgres && 'PostgreSQL only: on PGlite every change goes through this process',
  }, async () => {
    const db = await freshDatabase()
    const { api, status } = await instance(db)
    const id = await created(api)
    await status(id)
    await db.query(`UPDATE payment SET status = 'cancelled' WHERE transaction_id = $1`, [id])
    await eventually(async () => (await status(id)).status === 'cancelled', 5_000, 'the notification')
  })
})

describe('status cache, two processes on one PostgreSQL database', {
  skip: !onPostgres && 'needs TEST_DATABASE_URL',
}, () => {
  test("a change in process A is in process B's answers as soon as B hears of it", async () => {
    const db = await freshDatabase()
    const a = await instance(db)
    const b = await instance(db)
    const id = await created(a.api)
    assert.deepEqual(await b.status(id), { status: 'pending', statements: 1 })
    assert.deepEqual(await b.status(id), { status: 'pending', statements: 0 }, 'B answers from memory')
    assert.equal((await a.api.cancel(id)).status, 200)
    await eventually(async () => (await b.status(id)).status === 'cancelled', 5_000, "B's answer to change")
    assert.deepEqual(await b.status(id), { status: 'cancelled', statements: 0 }, 'and kept again')
  })

  test('with its LISTEN connection killed, B answers from the database until it listens again: nothing stale', async () => {
    const db = await freshDatabase()
    const a = await instance(db)
    const b = await instance(db)
    const id = await created(a.api)
    await b.status(id)
    assert.equal((await b.status(id)).statements, 0)
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN payment_changed'`,
    )
    assert.equal(rows.length, 2, 'one LISTEN connection per instance')
    // Kill both: whichever is B's, B has lost it; the change below is notified to nobody.
    await db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [rows.map((r) => r.pid)])
    await eventually(async () => !b.built.services.changes.live || undefined, 5_000, 'B to notice')
    await db.query(`UPDATE payment SET status = 'cancelled' WHERE transaction_id = $1`, [id])
    assert.deepEqual(await b.status(id), { status: 'cancelled', statements: 1 }, 'read, not remembered')
    if (!b.built.services.changes.live) assert.equal((await b.status(id)).statements, 1, 'nothing kept while deaf')
    await eventually(async () => b.built.services.changes.live || undefined, 5_000, 'B to listen again')
    assert.equal((await b.status(id)).status, 'cancelled')
    assert.deepEqual(await b.status(id), { status: 'cancelled', statements: 0 }, 'kept again once it listens')
  })
})
