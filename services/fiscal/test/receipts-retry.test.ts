import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { generateWebhookSecret } from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import { createFakeWebkassa, type FakeWebkassa } from './fake-webkassa.ts'
import { ADMIN_TOKEN, FAST_RECEIPT_RETRIES, paymentsFeed, type StartedFiscal, startOnWebkassa } from './harness.ts'
import type { ReceiptJson } from './receipt-json.ts'

const SECRET = generateWebhookSecret()
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const started: StartedFiscal[] = []
after(async () => {
  for (const fiscal of started) await fiscal.close()
})

/** A fiscal app on the fake Webkassa with a three-step retry schedule (as receipts-api.test.ts sets it up). */
async function setup(options: { cashboxes?: string; wrap?: (client: WebkassaClient) => WebkassaClient } = {}) {
  const wk = createFakeWebkassa()
  const { clock, fiscal } = await startOnWebkassa(options.wrap ? options.wrap(wk.client) : wk.client, {
    secret: SECRET,
    cashboxes: options.cashboxes,
    receipts: FAST_RECEIPT_RETRIES,
  })
  started.push(fiscal)
  const feed = paymentsFeed(fiscal, {
    secret: SECRET,
    clock,
    defaults: () => ({
      paid_amount: 0,
      actual_amount_received: 0,
      written_off_amount: 0,
      refunded_amount: 0,
      description: 'Билет',
    }),
  })
  /** Delivers one event; answers the receipts it made. */
  const deliver = async (fields: Record<string, unknown>) => {
    const res = await feed.deliver(fields)
    assert.equal(res.statusCode, 200, res.body)
    return res.json().receipts as number[]
  }
  const { drain } = feed
  /** Rounds until the retry schedule (3 steps) is spent. */
  const exhaust = async () => {
    for (let i = 0; i < 5; i++) {
      await drain()
      clock.advance(1_000)
    }
  }
  const get = async (id: number) => {
    const res = await fiscal.app.inject({ method: 'GET', url: `/api/receipts/${id}`, headers: admin })
    assert.equal(res.statusCode, 200, res.body)
    return res.json() as ReceiptJson
  }
  const retry = (id: number | string, headers: Record<string, string> = admin) =>
    fiscal.app.inject({ method: 'POST', url: `/api/receipts/${id}/retry`, headers })
  /** The receipt's jobs: one row ever, keyed `receipt:<id>`. */
  const jobsOf = async (id: number) => {
    const { rows } = await fiscal.db.query<{ status: string }>(
      `SELECT status FROM job WHERE kind = 'fiscal.receipt' AND (payload->>'receiptId')::bigint = $1`,
      [id],
    )
    return rows.map((r) => r.status)
  }
  return { clock, wk, fiscal, deliver, drain, exhaust, get, retry, jobsOf }
}

const checks = (wk: FakeWebkassa, number: string) => wk.calls.filter((c) => c === `check ${number}`).length
const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code

describe('POST /api/receipts/{id}/retry', () => {
  test('a failed receipt goes back to pending with its failures reset and is sent again with the same number', async () => {
    const { wk, deliver, drain, get, retry, jobsOf } = await setup()
    wk.fault({ codes: [9] })
    const [id] = await deliver({ paid_amount: 100, actual_amount_received: 100 })
    await drain()
    const failed = await get(id)
    assert.equal(failed.status, 'failed')
    const res = await retry(id)
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json() as ReceiptJson
    // Refused outright (9): Webkassa took nothing, so no lookup is needed before the resend.
    assert.equal(body.status, 'pending')
    assert.equal(body.last_error, null)
    assert.equal(body.external_number, failed.external_number)
    assert.deepEqual(await jobsOf(id), ['pending'])
    await drain()
    const done = await get(id)
    assert.equal(done.status, 'fiscalized')
    assert.equal(done.external_number, failed.external_number)
    assert.equal(checks(wk, failed.external_number), 2)
    assert.equal(wk.count(failed.external_number), 1)
    assert.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['failed', 'fiscalized'],
    )
  })

  test('a given-up receipt gets a whole retry schedule again (its failures counter is reset)', async () => {
    const { wk, clock, deliver, drain, exhaust, get, retry } = await setup()
    wk.fault({ codes: [-1] }, { codes: [-1] }, { codes: [-1] }, { codes: [-1] })
    const [id] = await deliver({ paid_amount: 100, actual_amount_received: 100 })
    await exhaust()
    assert.equal((await get(id)).status, 'needs_attention')
    // Three refusals more: with the counter kept at 4 the first would give it up again at once.
    wk.fault({ codes: [-1] }, { codes: [-1] }, { codes: [-1] })
    assert.equal((await retry(id)).statusCode, 200)
    for (let i = 0; i < 3; i++) {
      await drain()
      assert.equal((await get(id)).status, 'pending', `round ${i + 1} keeps it queued`)
      clock.advance(1_000)
    }
    await drain()
    assert.equal((await get(id)).status, 'fiscalized')
  })

  test('a receipt whose send may have reached Webkassa is looked up first, not sent twice', async () => {
    let lookupDown = true
    const { wk, deliver, exhaust, drain, get, retry } = await setup({
      wrap: (client) => ({
        ...client,
        async cashboxes(token) {
          if (lookupDown) return { kind: 'unknown', reason: 'timeout' }
          return client.cashboxes(token)
        },
      }),
    })
    // Webkassa keeps the receipt and the answer is lost; every lookup fails until the schedule is spent.
    wk.fault('commit-then-drop')
    const [id] = await deliver({ paid_amount: 1_000, actual_amount_received: 1_000 })
    await exhaust()
    const given = await get(id)
    assert.equal(given.status, 'needs_attention')
    lookupDown = false
    const res = await retry(id)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal((res.json() as ReceiptJson).status, 'recovering')
    await drain()
    const done = await get(id)
    assert.equal(done.status, 'fiscalized')
    assert.equal(done.fiscal?.via, 'recovery')
    assert.equal(checks(wk, given.external_number), 1)
    assert.equal(wk.receipts().length, 1)
  })

  test('concurrent retries of one receipt: one re-queues it, the others are 409, and it is sent once', async () => {
    const { wk, deliver, drain, get, retry, jobsOf } = await setup()
    wk.fault({ codes: [9] })
    const [id] = await deliver({ paid_amount: 100, actual_amount_received: 100 })
    await drain()
    const number = (await get(id)).external_number
    const answers = await Promise.all(Array.from({ length: 8 }, () => retry(id)))
    const statuses = answers.map((a) => a.statusCode).sort()
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409])
    for (const a of answers) if (a.statusCode === 409) assert.equal(code(a), 'RECEIPT_NOT_RETRYABLE')
    assert.deepEqual(await jobsOf(id), ['pending'])
    await drain()
    assert.equal((await get(id)).status, 'fiscalized')
    assert.equal(checks(wk, number), 2)
    assert.equal(wk.count(number), 1)
  })

  test('a return blocked for want of its original is retried only once the original is fiscalized', async () => {
    const { wk, deliver, drain, exhaust, get, retry } = await setup()
    // No stored sale at all: the return has no original.
    const [orphan] = await deliver({
      transaction_id: 'TX0000000009',
      event: 'refunded',
      status: 'refunded',
      refunded_amount: 50,
    })
    await drain()
    const blocked = await retry(orphan)
    assert.equal(blocked.statusCode, 409)
    assert.equal(code(blocked), 'RETURN_BASIS_MISSING')
    assert.equal((await get(orphan)).status, 'needs_attention')

    // A sale that needs a person, then a refund against it: the return waits for the sale.
    wk.fault({ codes: [-1] }, { codes: [-1] }, { codes: [-1] }, { codes: [-1] })
    const [sale] = await deliver({ paid_amount: 1_000, actual_amount_received: 1_000 })
    await exhaust()
    assert.equal((await get(sale)).status, 'needs_attention')
    const [ret] = await deliver({
      event: 'refunded',
      status: 'refunded',
      paid_amount: 1_000,
      actual_amount_received: 1_000,
      refunded_amount: 400,
    })
    await drain()
    const waiting = await get(ret)
    assert.equal(waiting.status, 'needs_attention')
    assert.match(waiting.last_error ?? '', /^RETURN_BASIS_MISSING/)
    const early = await retry(ret)
    assert.equal(early.statusCode, 409)
    assert.equal(code(early), 'RETURN_BASIS_MISSING')

    assert.equal((await retry(sale)).statusCode, 200)
    await drain()
    assert.equal((await get(sale)).status, 'fiscalized')
    const res = await retry(ret)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal((res.json() as ReceiptJson).status, 'pending')
    await drain()
    assert.equal((await get(ret)).status, 'fiscalized')
    const sent = wk.receipts().find((r) => r.request.ExternalCheckNumber === waiting.external_number)?.request
    assert.equal(sent?.ReturnBasisDetails?.CheckNumber, (await get(sale)).fiscal?.check_number)
  })

  test('any other status, an unknown or malformed id, or no token is a 4xx with a stable code, never a 500', async () => {
    let die = false
    // A cashbox each (least loaded first): a receipt stuck recovering or sending holds up its own queue only.
    const { wk, fiscal, deliver, drain, get, retry } = await setup({
      cashboxes: 'SWK1,SWK2,SWK3',
      wrap: (client) => ({
        ...client,
        async check(token, request) {
          const result = await client.check(token, request)
          if (die) {
            die = false
            throw new Error('SIGKILL (simulated)')
          }
          return result
        },
      }),
    })
    const [fiscalized] = await deliver({
      transaction_id: 'TX0000000001',
      paid_amount: 100,
      actual_amount_received: 100,
    })
    await drain()
    wk.fault('commit-then-drop')
    const [recovering] = await deliver({
      transaction_id: 'TX0000000002',
      paid_amount: 100,
      actual_amount_received: 100,
    })
    await drain()
    die = true
    const [sending] = await deliver({ transaction_id: 'TX0000000003', paid_amount: 100, actual_amount_received: 100 })
    await drain()
    const [pending] = await deliver({ transaction_id: 'TX0000000004', paid_amount: 100, actual_amount_received: 100 })
    const expected: Array<[number, string]> = [
      [fiscalized, 'fiscalized'],
      [recovering, 'recovering'],
      [sending, 'sending'],
      [pending, 'pending'],
    ]
    for (const [id, status] of expected) {
      assert.equal((await get(id)).status, status)
      const res = await retry(id)
      assert.equal(res.statusCode, 409, `${status}: ${res.body}`)
      assert.equal(code(res), 'RECEIPT_NOT_RETRYABLE')
      assert.equal((await get(id)).status, status, `${status} is left as it was`)
    }
    const unknown = await retry(999_999)
    assert.equal(unknown.statusCode, 404)
    assert.equal(code(unknown), 'RECEIPT_NOT_FOUND')
    for (const garbage of ['abc', '0', '-1', '1.5', '99999999999999999999', "1'%20OR%201=1"]) {
      const res = await retry(garbage)
      assert.equal(res.statusCode, 400, `${garbage}: ${res.body}`)
      assert.equal(code(res), 'VALIDATION_FAILED')
    }
    const anonymous = await retry(fiscalized, {})
    assert.equal(anonymous.statusCode, 401)
    assert.equal(code(anonymous), 'ADMIN_UNAUTHORIZED')
    const wrong = await retry(fiscalized, { authorization: 'Bearer not-the-token' })
    assert.equal(wrong.statusCode, 401)
    const withBody = await fiscal.app.inject({
      method: 'POST',
      url: `/api/receipts/${fiscalized}/retry`,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{}',
    })
    assert.equal(withBody.statusCode, 409)
  })
})

describe('a send cut short by a killed process', () => {
  test('the open attempt is closed as lost with a reason when the next round finds the receipt sending', async () => {
    let die = true
    const { wk, clock, deliver, drain, get } = await setup({
      wrap: (client) => ({
        ...client,
        async check(token, request) {
          const result = await client.check(token, request)
          if (die) {
            die = false
            throw new Error('SIGKILL (simulated): the answer never reached our commit')
          }
          return result
        },
      }),
    })
    const [id] = await deliver({ paid_amount: 1_000, actual_amount_received: 1_000 })
    await drain()
    const cut = await get(id)
    assert.equal(cut.status, 'sending')
    assert.equal(cut.attempts.length, 1)
    assert.equal(cut.attempts[0].finished_at, null)
    clock.advance(60_000)
    await drain()
    const done = await get(id)
    assert.equal(done.status, 'fiscalized')
    assert.equal(done.fiscal?.via, 'recovery')
    assert.equal(done.attempts.length, 1)
    const [attempt] = done.attempts
    assert.equal(attempt.outcome, 'lost')
    assert.notEqual(attempt.finished_at, null)
    assert.match(attempt.error ?? '', /process ended before the answer was recorded/)
    assert.equal(wk.receipts().length, 1)
  })
})
