import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Type } from 'typebox'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { AppError, coreErrors, coreMigrationsDir, createWorker, defineJob } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('a defined job checks its payload at enqueue and hands the handler a typed payload', async () => {
  const seen: string[] = []
  const receipt = defineJob({
    kind: 'fiscal.receipt',
    payload: Type.Object({ paymentId: Type.Integer({ minimum: 1 }), cashbox: Type.String() }),
    group: (payload) => `cashbox:${payload.cashbox}`,
    handler: async (payload, job) => {
      // Typed: a misspelt field here is a compile error, not an undefined at run time.
      seen.push(`${payload.paymentId}@${payload.cashbox} in ${job.group}`)
    },
  })
  const worker = createWorker({ db, clock: manualClock(), jobs: [receipt] })

  await db.transaction((tx) => receipt.enqueue(tx, { paymentId: 7, cashbox: 'K-1' }))
  for (const bad of [{ paymentId: 0, cashbox: 'K-1' }, { paymentId: 7 }, 'seven']) {
    await assert.rejects(
      // @ts-expect-error: the payload type refuses these too; the schema catches what a cast lets through.
      db.transaction((tx) => receipt.enqueue(tx, bad)),
      (error: unknown) => {
        assert.ok(error instanceof AppError)
        assert.equal(error.code, 'JOB_PAYLOAD_INVALID')
        assert.deepEqual((error.details as { kind: string }).kind, 'fiscal.receipt')
        return true
      },
    )
  }
  assert.equal(coreErrors.JOB_PAYLOAD_INVALID.status, 422)
  const { rows } = await db.query(`SELECT payload FROM job WHERE kind = 'fiscal.receipt'`)
  assert.equal(rows.length, 1, 'a refused payload left nothing behind')
  assert.equal(await worker.runDue(), 1)
  assert.deepEqual(seen, ['7@K-1 in cashbox:K-1'])
})

test('a defined job retries on its own schedule, and its last word gets the payload', async () => {
  const clock = manualClock()
  const dead: number[] = []
  const flaky = defineJob({
    kind: 'flaky.call',
    payload: Type.Object({ n: Type.Number() }),
    retry: [5_000],
    handler: async () => {
      throw new Error('partner down')
    },
    onDead: async (payload) => {
      dead.push(payload.n)
    },
  })
  // The worker's own schedule would retry after 1 s; the definition's says 5 s.
  const worker = createWorker({ db, clock, retrySchedule: [1_000, 1_000], jobs: [flaky] })
  await db.transaction((tx) => flaky.enqueueKeyed(tx, 'flaky-1', { n: 42 }))
  await worker.runDue()
  clock.advance(1_000)
  assert.equal(await worker.runDue(), 0, 'not yet: the definition waits 5 s')
  clock.advance(4_000)
  assert.equal(await worker.runDue(), 1)
  assert.deepEqual(dead, [42])
})

test('a kind wired twice is refused when the worker is created', () => {
  const once = defineJob({ kind: 'twice', payload: Type.Object({}), handler: async () => {} })
  assert.throws(
    () => createWorker({ db, clock: manualClock(), jobs: [once], handlers: { twice: async () => {} } }),
    /job kind twice has two handlers/,
  )
})
