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

/** Runs `jobs` quick jobs through a worker whose settle statements each take 150 ms; the most seen in flight at once. */
async function mostSettlesInFlight(kind: string, jobs: number, settleConcurrency?: number): Promise<number> {
  let inFlight = 0
  let most = 0
  const slowSettles: Database = Object.create(db, {
    query: {
      value: async (sql: string, params?: unknown[]) => {
        if (!sql.includes('settled AS (')) return db.query(sql, params)
        most = Math.max(most, ++inFlight)
        try {
          await sleep(150)
          return await db.query(sql, params)
        } finally {
          inFlight--
        }
      },
    },
  })
  const worker = createWorker({
    db: slowSettles,
    clock: systemClock,
    concurrency: jobs,
    batchSize: jobs,
    settleConcurrency,
    handlers: { [kind]: async () => sleep(10 * Math.random()) },
  })
  for (let n = 0; n < jobs; n++) await enqueue(db, kind, { n })
  await worker.runDue()
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM job WHERE kind = $1 AND status = 'done'`,
    [kind],
  )
  assert.equal(rows[0].n, jobs, 'every job settled done')
  return most
}

test('one settle statement in flight by default; settleConcurrency lets more go at once', async () => {
  assert.equal(await mostSettlesInFlight('settle.one', 6), 1)
  assert.equal(await mostSettlesInFlight('settle.two', 6, 2), 2)
})
