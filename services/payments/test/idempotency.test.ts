import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { client, type StartedPayments, sourceToken, startPayments } from './harness.ts'

describe('Idempotency-Key on the mutating POSTs', () => {
  let t: StartedPayments
  let token: string
  let api: ReturnType<typeof client>

  before(async () => {
    t = await startPayments()
    token = await sourceToken(t)
    api = client(t, token)
  })
  after(() => t.close())

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query<{ n: number }>(sql, params)).rows[0].n)

  test('100 concurrent inits with one key make one payment; every success is the same answer', async () => {
    const before = await count('SELECT count(*)::int AS n FROM payment')
    const body = { amount: 12345.67, description: 'Тур' }
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => api.init(body, { 'idempotency-key': 'init-100' })),
    )
    assert.equal(await count('SELECT count(*)::int AS n FROM payment'), before + 1)
    const created = answers.filter((a) => a.status === 201)
    assert.ok(created.length >= 1)
    assert.equal(new Set(created.map((a) => a.body.data.transaction_id)).size, 1)
    for (const busy of answers.filter((a) => a.status !== 201)) {
      assert.equal(busy.status, 409)
      assert.equal(busy.body.code, 'IDEMPOTENCY_IN_PROGRESS')
      assert.ok(Number(busy.headers['retry-after']) >= 1)
    }
    const replay = await api.init(body, { 'idempotency-key': 'init-100' })
    assert.deepEqual([replay.status, replay.headers['idempotent-replayed']], [201, 'true'])
    assert.equal(replay.body.data.transaction_id, created[0].body.data.transaction_id)
  })

  test('the same key with another body is 422, and makes nothing', async () => {
    await api.init({ amount: 100 }, { 'idempotency-key': 'reuse' })
    const before = await count('SELECT count(*)::int AS n FROM payment')
    const reused = await api.init({ amount: 101 }, { 'idempotency-key': 'reuse' })
    assert.deepEqual([reused.status, reused.body.code, reused.body.error_code], [422, 'IDEMPOTENCY_KEY_REUSED', 422])
    assert.equal(await count('SELECT count(*)::int AS n FROM payment'), before)
  })

  test('a /kaspi duplicate in flight is 409 with Retry-After; afterwards the stored answer is replayed', async () => {
    const id = (await api.init({ amount: 5000 })).body.data.transaction_id
    const open = t.terminals.holdStarts()
    const first = api.kaspi(id, 'kaspi_gold', { 'idempotency-key': 'kaspi-1' })
    // Wait until the first request holds the key and is at the terminal.
    while (!t.terminals.calls.some((c) => c.op === 'start' && c.amountTenge === 5000)) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const duplicate = await api.kaspi(id, 'kaspi_gold', { 'idempotency-key': 'kaspi-1' })
    assert.deepEqual([duplicate.status, duplicate.body.code], [409, 'IDEMPOTENCY_IN_PROGRESS'])
    assert.ok(Number(duplicate.headers['retry-after']) >= 1)
    open()
    const answered = await first
    assert.equal(answered.status, 200)
    const replay = await api.kaspi(id, 'kaspi_gold', { 'idempotency-key': 'kaspi-1' })
    assert.deepEqual(replay.body, answered.body)
    assert.equal(replay.headers['idempotent-replayed'], 'true')
  })

  test('50 concurrent /kaspi on one payment start one attempt on one terminal', async () => {
    const id = (await api.init({ amount: 7000 })).body.data.transaction_id
    const starts = t.terminals.calls.filter((c) => c.op === 'start').length
    const answers = await Promise.all(Array.from({ length: 50 }, () => api.kaspi(id, 'kaspi_gold')))
    assert.equal(t.terminals.calls.filter((c) => c.op === 'start').length, starts + 1)
    const ok = answers.filter((a) => a.status === 200)
    assert.ok(ok.length >= 1)
    assert.equal(new Set(ok.map((a) => a.body.data.terminal_id)).size, 1)
    assert.ok(answers.every((a) => a.status === 200 || a.body.code === 'PAYMENT_IN_PROGRESS'))
    const live = await count(
      `SELECT count(*)::int AS n FROM payment_attempt a JOIN payment p ON p.id = a.payment_id
       WHERE p.transaction_id = $1`,
      [id],
    )
    assert.equal(live, 1)
  })

  test('cancel and refund take keys too: a retried refund refunds once', async () => {
    const id = (await api.init({ amount: 3000 })).body.data.transaction_id
    await api.kaspi(id, 'kaspi_gold')
    const attempt = t.terminals.calls.filter((c) => c.op === 'start').at(-1)!.attemptId
    t.terminals.pay(attempt, 'Gold')
    await api.status(id)
    const headers = { 'idempotency-key': 'refund-1' }
    const once = await api.send('POST', `/api/payment/${id}/refund`, { amount: 1000 }, headers)
    const twice = await api.send('POST', `/api/payment/${id}/refund`, { amount: 1000 }, headers)
    assert.deepEqual(twice.body, once.body)
    assert.equal((await api.get(id)).body.data.refunded_amount, 1000)
  })
})
