import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Database, Tiyn } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { fiscalMigrations } from '../src/database.ts'
import { createReceiptRepository } from '../src/modules/receipts/repository.ts'

let db: Database
const repo = () => createReceiptRepository(db)
const now = new Date('2026-01-05T09:00:00Z')
let number = 0

before(async () => {
  db = await openTestDatabase(fiscalMigrations)
  await repo().ensureCashboxes(db, ['A', 'B', 'C'], now)
})
after(() => db.close())

/** `count` unfinished receipts queued on `cashbox`. */
async function queue(cashbox: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    number++
    await repo().insertReceipt(
      db,
      {
        externalNumber: `choice-${number}`,
        source: 'api',
        transactionId: null,
        callerId: `choice-${number}`,
        cashbox,
        status: 'pending',
        content: { kind: 'sale', lines: [], payments: [] },
        totalTiyn: 100n as Tiyn,
        commissionTiyn: 0n as Tiyn,
        originalId: null,
        lastError: null,
      },
      now,
    )
  }
}

test('a new receipt goes to the cashbox with the shortest queue, and ties to the configured order', async () => {
  assert.equal(await repo().leastLoaded(db, ['A', 'B', 'C']), 'A', 'all empty: the first')
  await queue('A', 2)
  await queue('B', 1)
  assert.equal(await repo().leastLoaded(db, ['A', 'B', 'C']), 'C')
  await queue('C', 3)
  assert.equal(await repo().leastLoaded(db, ['A', 'B', 'C']), 'B')
  await db.query(`UPDATE fiscal_cashbox SET parked_at = $1 WHERE znk = 'B'`, [now])
  assert.equal(await repo().leastLoaded(db, ['A', 'B', 'C']), 'A', 'a parked cashbox comes last')
  await db.query(`UPDATE fiscal_cashbox SET parked_at = NULL`)
})
