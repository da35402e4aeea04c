/**
 * Inits without an Idempotency-Key share one INSERT when they arrive together (group commit): every one still gets
 * its own payment, with its own fields exactly as sent, whatever characters they hold.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { client, type StartedPayments, sourceToken, startPayments } from './harness.ts'

let t: StartedPayments
let api: ReturnType<typeof client>
before(async () => {
  t = await startPayments()
  api = client(t, await sourceToken(t))
})
after(() => t.close())

/** Text that array literals and JSON must carry through unchanged. */
const awkward = (i: number) => `"q${i}" \\ {a,b} NULL 'x' ₸ 🧾 ${'é'.repeat(i % 3)}`

describe('inits that arrive together', () => {
  test('40 at once: 40 distinct payments, each with exactly its own description, customer and metadata', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      amount: 1000 + i,
      description: awkward(i),
      customer_name: i % 2 ? undefined : `Имя ${i}`,
      metadata: { i, text: awkward(i), nested: { list: [i, `"${i}"`] } },
    }))
    // Count the INSERT statements the service sends (it holds this very object).
    const query = t.db.query.bind(t.db)
    let inserts = 0
    t.db.query = ((sql: string, params?: unknown[]) => {
      if (sql.trimStart().startsWith('INSERT INTO payment ')) inserts++
      return query(sql, params)
    }) as typeof t.db.query
    const answers = await Promise.all(bodies.map((body) => api.init(body))).finally(() => {
      t.db.query = query
    })
    // PGlite answers each statement before the next request gets that far; PostgreSQL's round trip lets them queue.
    if (t.db.kind === 'postgres') assert.ok(inserts < 40, `they shared statements (${inserts} INSERTs for 40)`)
    assert.deepEqual(
      answers.map((a) => a.status),
      bodies.map(() => 201),
    )
    const ids = answers.map((a) => a.body.data.transaction_id as string)
    assert.equal(new Set(ids).size, 40)
    const { rows } = await t.db.query<{
      transactionId: string
      amount: number
      description: string
      customerName: string | null
      metadata: unknown
      status: string
    }>(
      `SELECT transaction_id AS "transactionId", amount_tiyn AS amount, description, customer_name AS "customerName",
         metadata, status FROM payment WHERE transaction_id = ANY($1::text[])`,
      [ids],
    )
    const byId = new Map(rows.map((row) => [row.transactionId, row]))
    bodies.forEach((body, i) => {
      const row = byId.get(ids[i])
      assert.ok(row, `payment ${ids[i]} stored`)
      assert.equal(answers[i].body.data.amount, body.amount)
      assert.equal(row.amount, body.amount * 100)
      assert.equal(row.description, body.description)
      assert.equal(row.customerName, body.customer_name ?? null)
      assert.deepEqual(row.metadata, body.metadata)
      assert.equal(row.status, 'pending')
    })
  })
})
