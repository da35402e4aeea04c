import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { generateWebhookSecret } from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import { createFakeWebkassa, type FakeWebkassa, STANDING_TOKEN } from './fake-webkassa.ts'
import {
  ADMIN_TOKEN,
  FAST_RECEIPT_RETRIES,
  paymentsFeed,
  payThroughCommitThenDrop,
  type StartedFiscal,
  startOnWebkassa,
} from './harness.ts'

const SECRET = generateWebhookSecret()
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const started: StartedFiscal[] = []
after(async () => {
  for (const fiscal of started) await fiscal.close()
})

interface Setup {
  cashboxes?: string
  duplicateData?: boolean
  /** Wraps the fake's client (to make a call die like a killed process). */
  wrap?: (client: WebkassaClient) => WebkassaClient
}

async function setup(options: Setup = {}) {
  const wk = createFakeWebkassa({ duplicateData: options.duplicateData })
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
      amount: 1_000,
      original_amount: 1_000,
      paid_amount: 0,
      actual_amount_received: 0,
      remaining_amount: 0,
      written_off_amount: 0,
      refunded_amount: 0,
      currency: 'KZT',
      description: 'Билет',
      created_at: '2026-01-05 09:00:00',
      paid_at: null,
      metadata: null,
      timestamp: Math.floor(clock.now().getTime() / 1000),
    }),
  })
  return { wk, fiscal, ...feed }
}

/** Webkassa already holds s-TX0000000001-1 for 1 000 ₸ (sent by an earlier life of the service whose row was lost). */
async function heldByWebkassa(wk: FakeWebkassa) {
  await wk.client.check(STANDING_TOKEN, {
    CashboxUniqueNumber: 'SWK1',
    OperationType: 2,
    Positions: [
      { Count: 1, Price: 1_000, TaxPercent: 16, Tax: 137.93, TaxType: 100, PositionName: 'Билет', UnitCode: 796 },
    ],
    Payments: [{ Sum: 1_000, PaymentType: 4 }],
    ExternalCheckNumber: 's-TX0000000001-1',
  })
}

/** Two payments for the one cashbox's queue: TX0000000001 (100 ₸), then TX0000000002 (200 ₸). */
async function payTwo(pay: (amount: number, transactionId: string) => Promise<unknown>) {
  await pay(100, 'TX0000000001')
  await pay(200, 'TX0000000002')
}

const checks = (wk: FakeWebkassa, number: string) => wk.calls.filter((c) => c === `check ${number}`).length

describe('receipts from payments events', () => {
  test('a paid payment gets one fiscalized sale receipt with its fiscal number, shift, URL and attempt', async () => {
    const { wk, pay, drain, receipts } = await setup()
    const res = await pay(1_000)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().duplicate, false)
    assert.equal(res.json().receipts.length, 1)
    await drain()
    const [r] = await receipts('?payment=TX0000000001')
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.external_number, 's-TX0000000001-1')
    assert.equal(r.total, '1000.00')
    assert.equal(r.fiscal.check_number, wk.receipt('s-TX0000000001-1')?.data.CheckNumber)
    assert.equal(r.fiscal.shift_number, 1)
    assert.match(r.fiscal.ticket_url, /^https:\/\//)
    assert.equal(r.attempts.length, 1)
    assert.equal(r.attempts[0].outcome, 'fiscalized')
    assert.equal(wk.count('s-TX0000000001-1'), 1)
  })

  test('partially paid then paid gives two receipts of the deltas, in order', async () => {
    const { wk, deliver, drain, receipts } = await setup()
    await deliver({ event: 'partially_paid', paid_amount: 300, actual_amount_received: 300 })
    await deliver({ event: 'paid', paid_amount: 1_000, actual_amount_received: 1_000 })
    await drain()
    const list = await receipts('?payment=TX0000000001')
    assert.deepEqual(
      list.map((r) => [r.external_number, r.total, r.status]),
      [
        ['s-TX0000000001-1', '300.00', 'fiscalized'],
        ['s-TX0000000001-2', '700.00', 'fiscalized'],
      ],
    )
    assert.deepEqual(
      wk.calls.filter((c) => c.startsWith('check')),
      ['check s-TX0000000001-1', 'check s-TX0000000001-2'],
    )
  })

  test('a refund becomes a return receipt whose basis is the stored original sale', async () => {
    const { wk, deliver, drain, receipts } = await setup()
    await deliver({ paid_amount: 1_140, actual_amount_received: 1_000, payment_method: 'kaspi_kredit' })
    await drain()
    await deliver({
      event: 'refunded',
      status: 'refunded',
      paid_amount: 0,
      actual_amount_received: 0,
      refunded_amount: 1_140,
    })
    await drain()
    const [sale, ret] = await receipts('?payment=TX0000000001')
    assert.equal(sale.commission, '140.00')
    assert.equal(ret.kind, 'sale_return')
    assert.equal(ret.status, 'fiscalized')
    assert.equal(ret.original_receipt_id, sale.id)
    const sent = wk.receipt('r-TX0000000001-1')?.request
    assert.equal(sent?.OperationType, 3)
    assert.equal(sent?.ReturnBasisDetails?.CheckNumber, sale.fiscal.check_number)
    assert.equal(sent?.ReturnBasisDetails?.Total, 1_140)
    assert.equal(sent?.ReturnBasisDetails?.RegistrationNumber, 'RNM-1')
    assert.deepEqual(
      sent?.Positions.map((p) => p.Price),
      [1_000, 140],
    )
  })

  test('a refund with no stored original is blocked locally and never sent', async () => {
    const { wk, deliver, drain, receipts } = await setup()
    await deliver({ event: 'refunded', status: 'refunded', refunded_amount: 500 })
    await drain()
    const [r] = await receipts('?payment=TX0000000001')
    assert.equal(r.status, 'needs_attention')
    assert.match(r.last_error, /^RETURN_BASIS_MISSING/)
    assert.equal(wk.calls.filter((c) => c.startsWith('check')).length, 0)
  })

  test('a repeated delivery, or another message announcing the same change, makes one receipt', async () => {
    const { wk, deliver, drain, receipts } = await setup()
    const fields = { paid_amount: 1_000, actual_amount_received: 1_000 }
    const first = await deliver(fields, 'msg_same')
    const again = await deliver(fields, 'msg_same')
    const other = await deliver(fields, 'msg_other')
    assert.deepEqual([first.json().duplicate, again.json().duplicate, other.json().duplicate], [false, true, true])
    await drain()
    assert.equal((await receipts()).length, 1)
    assert.equal(checks(wk, 's-TX0000000001-1'), 1)
  })

  test('concurrent deliveries of one event make exactly one receipt', async () => {
    const { wk, deliver, drain, receipts } = await setup({ cashboxes: 'SWK1,SWK2' })
    const fields = { paid_amount: 1_000, actual_amount_received: 1_000 }
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => deliver(fields, 'msg_race')),
      ...Array.from({ length: 6 }, () => deliver(fields)),
    ])
    assert.deepEqual(new Set(answers.map((a) => a.statusCode)), new Set([200]))
    assert.equal(answers.filter((a) => a.json().duplicate === false).length, 1)
    await drain()
    assert.equal((await receipts()).length, 1)
    assert.equal(wk.count('s-TX0000000001-1'), 1)
  })

  test('two events of one payment at once are planned one after the other: the receipts add up to what was paid', async () => {
    const { deliver, drain, receipts } = await setup({ cashboxes: 'SWK1,SWK2' })
    await Promise.all([
      deliver({ event: 'partially_paid', paid_amount: 300, actual_amount_received: 300 }),
      deliver({ event: 'partially_paid', paid_amount: 600, actual_amount_received: 600 }),
      deliver({ event: 'paid', paid_amount: 1_000, actual_amount_received: 1_000 }),
    ])
    await drain()
    const list = await receipts()
    const total = list.reduce((sum, r) => sum + Math.round(Number(r.total) * 100), 0)
    assert.equal(total, 100_000)
    assert.equal(new Set(list.map((r) => r.cashbox)).size, 1, 'one payment, one cashbox')
    assert.deepEqual(
      list.map((r) => r.external_number),
      list.map((_, i) => `s-TX0000000001-${i + 1}`),
    )
  })

  test('an event that cannot be fiscalized as sent is a 400 and records nothing', async () => {
    const { deliver, receipts } = await setup()
    for (const fields of [
      { transaction_id: 'TX 1', paid_amount: 10, actual_amount_received: 10 },
      { transaction_id: 'x'.repeat(60), paid_amount: 10, actual_amount_received: 10 },
      { paid_amount: 10.005, actual_amount_received: 10 },
      { paid_amount: -1, actual_amount_received: 0 },
      { paid_amount: '10', actual_amount_received: 10 },
    ]) {
      const res = await deliver(fields)
      assert.equal(res.statusCode, 400, JSON.stringify(fields))
      assert.match(res.json().error.code, /^(PAYMENT_EVENT_INVALID|VALIDATION_FAILED)$/)
    }
    assert.equal((await receipts()).length, 0)
  })

  test('cashboxes run in parallel, each one request at a time, and payments spread over them', async () => {
    const { wk, deliver, drain, receipts } = await setup({ cashboxes: 'SWK1,SWK2' })
    for (let i = 0; i < 8; i++) {
      await deliver({
        transaction_id: `TX${String(i).padStart(10, '0')}`,
        paid_amount: 10 + i,
        actual_amount_received: 10 + i,
      })
    }
    await drain()
    const list = await receipts()
    assert.deepEqual(new Set(list.map((r) => r.status)), new Set(['fiscalized']))
    assert.equal(list.filter((r) => r.cashbox === 'SWK1').length, 4)
    assert.equal(list.filter((r) => r.cashbox === 'SWK2').length, 4)
    assert.equal(wk.overlaps(), 0)
  })

  test('an unsigned or badly signed event is refused with 401 and records nothing', async () => {
    const { fiscal, receipts } = await setup()
    const res = await fiscal.app.inject({
      method: 'POST',
      url: '/api/payment-events',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_x',
        'webhook-timestamp': '1767585600',
        'webhook-signature': 'v1,AAAA',
      },
      payload: JSON.stringify({ event: 'paid' }),
    })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().error.code, 'WEBHOOK_SIGNATURE_INVALID')
    assert.equal((await receipts()).length, 0)
  })
})

describe('what Webkassa answers', () => {
  test('code 14 with Data on a resend is success, compared by total', async () => {
    const { wk, clock, pay, drain, receipts } = await setup({ duplicateData: true })
    await heldByWebkassa(wk)
    await pay(1_000)
    await drain()
    clock.advance(1_000)
    const [r] = await receipts()
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.via, 'duplicate')
    assert.equal(r.fiscal.check_number, wk.receipt('s-TX0000000001-1')?.data.CheckNumber)
  })

  test('code 14 without Data: recovered by lookup, never re-numbered', async () => {
    const { wk, pay, drain, receipts } = await setup()
    await heldByWebkassa(wk)
    await pay(1_000)
    await drain()
    const [r] = await receipts()
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.via, 'recovery')
    assert.equal(r.external_number, 's-TX0000000001-1')
    assert.equal(wk.receipts().length, 1)
  })

  test('commit-then-drop: recovered from history on the next round, without a second send or number', async () => {
    const { wk, ...feed } = await setup()
    wk.fault('commit-then-drop')
    await payThroughCommitThenDrop(feed)
    assert.equal(checks(wk, 's-TX0000000001-1'), 1)
    assert.equal(wk.receipts().length, 1)
  })

  test('a lost answer for a receipt Webkassa never got: looked up, then sent again with the same number', async () => {
    const { wk, clock, pay, drain, receipts } = await setup()
    await pay(10, 'TX0000000000')
    await drain()
    wk.fault('drop')
    await pay(1_000)
    await drain()
    clock.advance(1_000)
    await drain()
    const r = (await receipts('?payment=TX0000000001'))[0]
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.via, 'answer')
    assert.equal(checks(wk, 's-TX0000000001-1'), 2)
    assert.ok(wk.calls.indexOf('ticket s-TX0000000001-1 1') < wk.calls.lastIndexOf('check s-TX0000000001-1'))
    assert.equal(wk.count('s-TX0000000001-1'), 1)
  })

  test('a process that died between Webkassa’s answer and our commit: the receipt is found, not issued twice', async () => {
    let die = true
    const { wk, clock, pay, drain, receipts } = await setup({
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
    await pay(1_000)
    await drain()
    assert.equal((await receipts())[0].status, 'sending')
    clock.advance(60_000)
    await drain()
    const [r] = await receipts()
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.via, 'recovery')
    assert.equal(wk.receipts().length, 1)
    assert.equal(checks(wk, 's-TX0000000001-1'), 1)
  })

  test('a shift opened 23 h 50 min ago is closed by a Z report before the next receipt', async () => {
    const { wk, clock, pay, drain, receipts } = await setup()
    await pay(10, 'TX0000000000')
    await drain()
    clock.advance((23 * 60 + 50) * 60_000)
    await pay(1_000)
    await drain()
    assert.deepEqual(wk.zReports, ['SWK1'])
    assert.ok(wk.calls.indexOf('z SWK1') < wk.calls.indexOf('check s-TX0000000001-1'))
    assert.equal((await receipts('?payment=TX0000000001'))[0].fiscal.shift_number, 2)
  })

  test('a shift 23 h 49 min old is left open', async () => {
    const { wk, clock, pay, drain } = await setup()
    await pay(10, 'TX0000000000')
    await drain()
    clock.advance((23 * 60 + 49) * 60_000)
    await pay(1_000)
    await drain()
    assert.deepEqual(wk.zReports, [])
  })

  test('code 11 closes the shift with a Z report and replays the same receipt', async () => {
    const { wk, pay, drain, receipts } = await setup()
    await pay(10, 'TX0000000000')
    await drain()
    wk.fault({ codes: [11] })
    await pay(1_000)
    await drain()
    const r = (await receipts('?payment=TX0000000001'))[0]
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.shift_number, 2)
    assert.deepEqual(wk.zReports, ['SWK1'])
    assert.deepEqual(
      r.attempts.map((a: { outcome: string }) => a.outcome),
      ['replayed', 'fiscalized'],
    )
  })

  test('code 18 parks the cashbox: its queue waits with its jobs kept, and resumes in order', async () => {
    const { wk, clock, fiscal, pay, drain, receipts } = await setup()
    wk.park(18)
    await payTwo(pay)
    await drain()
    let list = await receipts()
    assert.deepEqual(
      list.map((r) => r.status),
      ['pending', 'pending'],
    )
    assert.equal(list[0].last_error_code, 18)
    assert.equal(wk.calls.filter((c) => c.startsWith('check')).length, 1, 'the second waits behind the first')
    clock.advance(30_000)
    await drain()
    assert.equal(wk.calls.filter((c) => c.startsWith('check')).length, 1, 'no tight loop while parked')
    const status = async () =>
      (await fiscal.app.inject({ method: 'GET', url: '/api/cashboxes', headers: admin })).json().cashboxes[0]
    const parked = await status()
    assert.equal(parked.parked.code, 18)
    assert.equal(parked.queued, 2)
    assert.equal(parked.shift, null)
    wk.unpark()
    clock.advance(60_000)
    await drain()
    list = await receipts()
    assert.deepEqual(
      list.map((r) => r.status),
      ['fiscalized', 'fiscalized'],
    )
    const resumed = await status()
    assert.equal(resumed.parked, null)
    assert.equal(resumed.queued, 0)
    assert.equal(resumed.shift.number, 1)
    assert.equal(resumed.last_receipt_offline, false)
    assert.deepEqual(
      wk.receipts().map((r) => r.request.ExternalCheckNumber),
      ['s-TX0000000001-1', 's-TX0000000002-1'],
    )
  })

  test('code 9 fails the receipt with the reason and the queue goes on', async () => {
    const { wk, pay, drain, receipts } = await setup()
    wk.fault({ codes: [9] })
    await payTwo(pay)
    await drain()
    const list = await receipts()
    assert.deepEqual(
      list.map((r) => r.status),
      ['failed', 'fiscalized'],
    )
    assert.equal(list[0].last_error_code, 9)
    assert.match(list[0].last_error, /^9: /)
    const failed = await receipts('?status=failed')
    assert.equal(failed.length, 1)
  })

  test('a receipt that never goes through is given to a person after its retries, and the queue goes on', async () => {
    const { wk, clock, pay, drain, receipts } = await setup()
    wk.fault({ codes: [-1] }, { codes: [-1] }, { codes: [-1] }, { codes: [-1] })
    await payTwo(pay)
    for (let i = 0; i < 5; i++) {
      await drain()
      clock.advance(1_000)
    }
    const list = await receipts()
    assert.deepEqual(
      list.map((r) => r.status),
      ['needs_attention', 'fiscalized'],
    )
    assert.equal(list[0].attempts.length, 4)
  })
})

describe('the API', () => {
  test('POST /api/receipts is idempotent by external_id and refuses other content under the same id', async () => {
    const { wk, fiscal, drain } = await setup({ cashboxes: 'SWK1,SWK2' })
    const body = {
      external_id: 'order-42/чек',
      positions: [{ name: 'Кофе', count: 2, price: '450.50', vat_percent: 16 }],
      payments: [{ type: 'card', sum: 901 }],
    }
    const post = (payload: object) =>
      fiscal.app.inject({ method: 'POST', url: '/api/receipts', headers: admin, payload: { ...payload } })
    const first = await post(body)
    assert.equal(first.statusCode, 201, first.body)
    const again = await post(body)
    assert.equal(again.statusCode, 200)
    assert.equal(again.json().id, first.json().id)
    const other = await post({ ...body, payments: [{ type: 'cash', sum: 901 }] })
    assert.equal(other.statusCode, 409)
    assert.equal(other.json().error.code, 'RECEIPT_CONFLICT')
    const unbalanced = await post({ ...body, external_id: 'x', payments: [{ type: 'card', sum: 900 }] })
    assert.equal(unbalanced.statusCode, 400)
    assert.equal(unbalanced.json().error.code, 'RECEIPT_INVALID')
    await drain()
    const number = first.json().external_number
    assert.match(number, /^api-[0-9a-f]{40}$/)
    assert.equal(wk.count(number), 1)
    const got = await fiscal.app.inject({ method: 'GET', url: `/api/receipts/${first.json().id}`, headers: admin })
    assert.equal(got.json().status, 'fiscalized')
    assert.deepEqual(
      wk.receipt(number)?.request.Positions.map((p) => [p.Count, p.Price, p.Tax]),
      [[2, 450.5, 124.28]],
    )
  })

  test('20 concurrent POSTs of one external_id make one receipt: one 201, the rest the same receipt with 200', async () => {
    const { wk, fiscal, drain } = await setup({ cashboxes: 'SWK1,SWK2' })
    const body = {
      external_id: 'order-43',
      positions: [{ name: 'Кофе', count: 1, price: 500 }],
      payments: [{ type: 'card', sum: 500 }],
    }
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fiscal.app.inject({ method: 'POST', url: '/api/receipts', headers: admin, payload: body }),
      ),
    )
    const statuses = answers.map((a) => a.statusCode).sort()
    assert.deepEqual(statuses, [201, ...Array(19).fill(200)].sort(), answers.map((a) => a.body).join('\n'))
    assert.equal(new Set(answers.map((a) => a.json().id)).size, 1, 'one receipt id in every answer')
    await drain()
    assert.equal(wk.count(answers[0].json().external_number), 1, 'sent to Webkassa once')
    const listed = await fiscal.app.inject({ method: 'GET', url: '/api/receipts', headers: admin })
    assert.equal(listed.json().receipts.filter((r: { source: string }) => r.source === 'api').length, 1)
  })

  test('receipts are not shown or created without the admin token', async () => {
    const { fiscal } = await setup()
    const res = await fiscal.app.inject({ method: 'GET', url: '/api/receipts' })
    assert.equal(res.statusCode, 401)
    const missing = await fiscal.app.inject({ method: 'GET', url: '/api/receipts/999', headers: admin })
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().error.code, 'RECEIPT_NOT_FOUND')
  })

  test('an X report runs on the cashbox queue and changes nothing; an unknown cashbox is a 404', async () => {
    const { wk, fiscal, drain } = await setup()
    const asked = await fiscal.app.inject({ method: 'POST', url: '/api/cashboxes/SWK1/x-report', headers: admin })
    assert.equal(asked.statusCode, 202, asked.body)
    assert.equal(asked.json().status, 'pending')
    await drain()
    const report = await fiscal.app.inject({
      method: 'GET',
      url: `/api/cashboxes/SWK1/reports/${asked.json().id}`,
      headers: admin,
    })
    assert.equal(report.json().status, 'done')
    assert.deepEqual(wk.calls, ['x SWK1'])
    const unknown = await fiscal.app.inject({ method: 'POST', url: '/api/cashboxes/NOPE/x-report', headers: admin })
    assert.equal(unknown.statusCode, 404)
  })

  test('the scheduled Z report closes a shift that reached 23 h, once', async () => {
    const { wk, clock, fiscal, pay, drain } = await setup()
    await pay(10)
    await drain()
    clock.advance(23 * 3_600_000)
    assert.equal(await fiscal.services.receipts.scheduleZReports(), 1)
    assert.equal(await fiscal.services.receipts.scheduleZReports(), 1)
    await drain()
    assert.deepEqual(wk.zReports, ['SWK1'])
    assert.equal(await fiscal.services.receipts.scheduleZReports(), 0)
  })
})
