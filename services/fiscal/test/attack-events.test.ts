import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  generateWebhookSecret,
  manualClock,
  type StandardWebhookHeaders,
  signStandardWebhook,
  standardWebhookHeaders,
} from '@kokdala/core'
import { createFakeWebkassa, type FakeWebkassa, plainSession } from './fake-webkassa.ts'
import { ADMIN_TOKEN, type StartedFiscal, startFiscal } from './harness.ts'
import type { ReceiptJson } from './receipt-json.ts'

/**
 * Hostile payments events at POST /api/payment-events: unsigned, badly signed, replayed, from the future, garbage
 * under a valid signature, out of order, a webhook id reused for another body. Every refusal is a 4xx with a stable
 * code and writes nothing; every accepted event leaves receipts that add up to the money that moved.
 */

type Answer = { statusCode: number; body: string }
const SECRET = generateWebhookSecret()
const OTHER_SECRET = generateWebhookSecret()
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

function assertRefused(label: string, answer: Answer, code?: string, status?: number) {
  assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `${label}: ${answer.statusCode} ${answer.body}`)
  if (status !== undefined) assert.equal(answer.statusCode, status, `${label}: ${answer.body}`)
  const { error } = JSON.parse(answer.body)
  assert.match(error.code, /^[A-Z][A-Z0-9_]+$/, `${label}: stable code`)
  if (code !== undefined) assert.equal(error.code, code, `${label}: ${answer.body}`)
}

describe('attack: hostile payments events', () => {
  let fiscal: StartedFiscal
  let wk: FakeWebkassa
  const clock = manualClock(new Date('2026-01-05T04:00:00Z'))
  before(async () => {
    wk = createFakeWebkassa()
    fiscal = await startFiscal(
      { FISCAL_CASHBOXES: 'SWK1', FISCAL_PAYMENTS_WEBHOOK_SECRET: SECRET },
      {
        clock,
        overrides: {
          webkassa: wk.client,
          session: plainSession,
          receipts: { retryScheduleMs: [1_000], parkProbeMs: 60_000 },
        },
      },
    )
  })
  after(() => fiscal.close())

  let txCounter = 0
  const newTx = () => `TXATTACK${String(++txCounter).padStart(4, '0')}`
  const body = (fields: Record<string, unknown>) =>
    JSON.stringify({
      event: 'paid',
      transaction_id: 'TXATTACK0000',
      amount: 1_000,
      paid_amount: 1_000,
      actual_amount_received: 1_000,
      written_off_amount: 0,
      refunded_amount: 0,
      status: fields.event ?? 'paid',
      description: 'Билет',
      ...fields,
    })
  const send = (payload: string, headers: Readonly<Record<string, string>> | StandardWebhookHeaders) =>
    fiscal.app.inject({
      method: 'POST',
      url: '/api/payment-events',
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    })
  const signed = (payload: string, id = `msg_${randomUUID()}`, at = clock.now(), secret = SECRET) =>
    send(payload, standardWebhookHeaders(secret, id, payload, at))
  const deliver = (fields: Record<string, unknown>, id?: string) => signed(body(fields), id)
  const counts = async () =>
    (
      await fiscal.db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM fiscal_receipt) + (SELECT count(*) FROM job)
              + (SELECT count(*) FROM fiscal_payment) + (SELECT count(*) FROM fiscal_payment_event) AS n`,
      )
    ).rows[0].n
  const drain = async () => {
    for (let i = 0; i < 50; i++) if ((await fiscal.services.worker.runDue()) === 0) return
    throw new Error('queues never drained')
  }
  const receiptsOf = async (tx: string) => {
    const res = await fiscal.app.inject({ method: 'GET', url: `/api/receipts?payment=${tx}`, headers: admin })
    assert.equal(res.statusCode, 200, res.body)
    return res.json().receipts as ReceiptJson[]
  }

  test('a missing, wrong, malformed, other-secret, old or future signature is 401 and writes nothing', async () => {
    const before = await counts()
    const payload = body({ transaction_id: newTx() })
    const id = 'msg_sig'
    const now = clock.now()
    const ts = Math.floor(now.getTime() / 1000)
    const good = standardWebhookHeaders(SECRET, id, payload, now)
    const cases: Array<[string, Record<string, string> | StandardWebhookHeaders]> = [
      ['no headers', {}],
      ['no signature', { 'webhook-id': id, 'webhook-timestamp': String(ts) }],
      ['no id', { 'webhook-timestamp': String(ts), 'webhook-signature': good['webhook-signature'] }],
      ['no timestamp', { 'webhook-id': id, 'webhook-signature': good['webhook-signature'] }],
      ['another secret', standardWebhookHeaders(OTHER_SECRET, id, payload, now)],
      ['signature of another id', { ...good, 'webhook-id': 'msg_other' }],
      ['signature of another body', standardWebhookHeaders(SECRET, id, `${payload} `, now)],
      ['a v2 signature', { ...good, 'webhook-signature': good['webhook-signature'].replace('v1,', 'v2,') }],
      ['garbage signature', { ...good, 'webhook-signature': 'v1,!!!not base64!!!' }],
      ['empty signature', { ...good, 'webhook-signature': 'v1,' }],
      ['a huge signature header', { ...good, 'webhook-signature': `v1,${'A'.repeat(20_000)}` }],
      ['a huge id', { ...good, 'webhook-id': 'm'.repeat(5_000) }],
      ['timestamp not a number', { ...good, 'webhook-timestamp': 'yesterday' }],
      ['timestamp 1e309', { ...good, 'webhook-timestamp': '1e309' }],
      ['timestamp negative', { ...good, 'webhook-timestamp': '-1' }],
      // Replayed: a message captured 10 minutes ago, signed correctly for its own time.
      ['replayed (10 min old)', standardWebhookHeaders(SECRET, id, payload, new Date(now.getTime() - 600_000))],
      ['from the future (10 min)', standardWebhookHeaders(SECRET, id, payload, new Date(now.getTime() + 600_000))],
      [
        'old timestamp, signature over the new one',
        {
          ...good,
          'webhook-timestamp': String(ts - 3_600),
        },
      ],
    ]
    for (const [label, headers] of cases) {
      assertRefused(label, await send(payload, headers), 'WEBHOOK_SIGNATURE_INVALID', 401)
    }
    // Unsigned garbage learns nothing about the body's shape: the signature is checked first.
    assertRefused('unsigned bad body', await send('{"event":1}', {}), 'WEBHOOK_SIGNATURE_INVALID', 401)
    // A body of another type: 415, not a 500.
    const text = await fiscal.app.inject({
      method: 'POST',
      url: '/api/payment-events',
      headers: { 'content-type': 'text/plain', ...good },
      payload: payload,
    })
    assertRefused('text/plain', text)
    assert.equal(await counts(), before)
  })

  test('a valid signature over garbage is 400 with a stable code and writes nothing', async () => {
    const before = await counts()
    const tx = newTx()
    const cases: Array<[string, string]> = [
      ['not JSON', '{'],
      ['null', 'null'],
      ['an array', '[]'],
      ['deep', `{"event":"paid","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
      ['NUL in transaction_id', body({ transaction_id: 'TX\u0000' })],
      ['NUL in description', body({ transaction_id: tx, description: 'a\u0000b' })],
      ['lone surrogate in description', body({ transaction_id: tx }).replace('Билет', '\\ud800')],
      ['lone surrogate in transaction_id', body({ transaction_id: '\\udfffTX' }).replace('\\\\udfff', '\\udfff')],
      ['lone surrogate in an extra field', body({ transaction_id: tx, note: 'x' }).replace('"x"', '"\\udbff"')],
      ['transaction_id with a space', body({ transaction_id: 'TX 1' })],
      ['transaction_id of 37', body({ transaction_id: 'T'.repeat(37) })],
      ['transaction_id of 65', body({ transaction_id: 'T'.repeat(65) })],
      ['transaction_id empty', body({ transaction_id: '' })],
      ['transaction_id a number', body({ transaction_id: 12 })],
      ['paid_amount with 3 decimals', body({ transaction_id: tx, paid_amount: 10.005 })],
      ['paid_amount negative', body({ transaction_id: tx, paid_amount: -1 })],
      ['paid_amount 1e308', body({ transaction_id: tx, paid_amount: 1e308 })],
      ['paid_amount a string', body({ transaction_id: tx, paid_amount: '1000' })],
      ['paid_amount null', body({ transaction_id: tx, paid_amount: null })],
      ['refunded_amount 1e21', body({ transaction_id: tx, refunded_amount: 1e21 })],
      ['written_off 0.001', body({ transaction_id: tx, written_off_amount: 0.001 })],
      ['paid above Webkassa’s largest amount', body({ transaction_id: tx, paid_amount: 100_000_000_000.01 })],
      [
        'paid + refunded above Webkassa’s largest amount',
        body({ transaction_id: tx, paid_amount: 60_000_000_000, refunded_amount: 60_000_000_000 }),
      ],
      ['int8-sized paid', body({ transaction_id: tx, paid_amount: 90_000_000_000_000_000 })],
      ['event too long', body({ transaction_id: tx, event: 'p'.repeat(41) })],
      ['description too long', body({ transaction_id: tx, description: 'd'.repeat(2_001) })],
      ['description an object', body({ transaction_id: tx, description: { a: 1 } })],
      ['missing fields', JSON.stringify({ event: 'paid', transaction_id: tx })],
      ['a huge body', body({ transaction_id: tx, junk: 'j'.repeat(2_000_000) })],
    ]
    for (const [label, payload] of cases) assertRefused(label, await signed(payload))
    assert.equal(await counts(), before, 'nothing written')
  })

  test('garbage extra fields under a valid signature are ignored: one receipt of the money', async () => {
    const tx = newTx()
    const answer = await signed(
      body({
        transaction_id: tx,
        __hidden: { deep: [1, 2, { x: 'y' }] },
        receipts: [999],
        cashbox: 'EVIL',
        total: 1e308,
        id: -1,
      }),
    )
    assert.equal(answer.statusCode, 200, answer.body)
    assert.equal(answer.json().receipts.length, 1)
    await drain()
    const [r] = await receiptsOf(tx)
    assert.deepEqual([r.total, r.cashbox, r.status], ['1000.00', 'SWK1', 'fiscalized'])
  })

  test('a description with control characters, or cut inside a surrogate pair, still makes a receipt Webkassa takes', async () => {
    const tx = newTx()
    // 127 letters then an emoji: cutting at 128 UTF-16 units would leave half of it, which jsonb refuses (a 500).
    const cut = `${'a'.repeat(127)}😀 tail`
    const answer = await deliver({ transaction_id: tx, description: cut })
    assert.equal(answer.statusCode, 200, answer.body)
    const tx2 = newTx()
    const control = await deliver({ transaction_id: tx2, description: 'Билет\u0001\u0007 на\u007f концерт\u001b' })
    assert.equal(control.statusCode, 200, control.body)
    await drain()
    const name1 = wk.receipt(`s-${tx}-1`)?.request.Positions[0].PositionName
    assert.equal(name1, `${'a'.repeat(127)}😀`, 'cut at 128 code points, the pair kept whole')
    const name2 = wk.receipt(`s-${tx2}-1`)?.request.Positions[0].PositionName
    assert.equal(name2, 'Билет на концерт')
    for (const t of [tx, tx2]) assert.equal((await receiptsOf(t))[0].status, 'fiscalized')
  })

  test('the same webhook id with another body is refused 409 and changes nothing; with the same body it is a duplicate', async () => {
    const tx = newTx()
    const id = `msg_${randomUUID()}`
    const first = await deliver({ transaction_id: tx, event: 'partially_paid', paid_amount: 300 }, id)
    assert.equal(first.statusCode, 200, first.body)
    const before = await counts()
    const same = await deliver({ transaction_id: tx, event: 'partially_paid', paid_amount: 300 }, id)
    assert.equal(same.statusCode, 200, same.body)
    assert.deepEqual(same.json(), { received: true, duplicate: true, receipts: [] })
    for (const fields of [
      { transaction_id: tx, event: 'paid', paid_amount: 1_000 },
      { transaction_id: newTx(), event: 'partially_paid', paid_amount: 300 },
      { transaction_id: tx, event: 'partially_paid', paid_amount: 300, refunded_amount: 100 },
    ]) {
      assertRefused(JSON.stringify(fields), await deliver(fields, id), 'WEBHOOK_ID_REUSED', 409)
    }
    assert.equal(await counts(), before, 'nothing written')
    // The real next message, under its own id, goes through.
    const paid = await deliver({ transaction_id: tx, event: 'paid', paid_amount: 1_000 })
    assert.equal(paid.json().receipts.length, 1)
    await drain()
    assert.deepEqual(
      (await receiptsOf(tx)).map((r) => [r.total, r.status]),
      [
        ['300.00', 'fiscalized'],
        ['700.00', 'fiscalized'],
      ],
    )
  })

  test('a refund that arrives before its payment is blocked, then sent against the sale once the late paid event stores it', async () => {
    const tx = newTx()
    const refund = await deliver({
      transaction_id: tx,
      event: 'refunded',
      paid_amount: 0,
      actual_amount_received: 0,
      refunded_amount: 1_000,
    })
    assert.equal(refund.statusCode, 200, refund.body)
    const [blocked] = refund.json().receipts
    await drain()
    assert.equal((await receiptsOf(tx))[0].status, 'needs_attention', 'no sale to return against yet')
    const late = await deliver({ transaction_id: tx, event: 'paid', paid_amount: 1_000 })
    assert.equal(late.statusCode, 200, late.body)
    assert.equal(late.json().receipts.length, 2, 'the sale, and the blocked return attached to it')
    assert.ok(late.json().receipts.includes(blocked))
    await drain()
    const list = await receiptsOf(tx)
    const sale = list.find((r) => r.kind === 'sale')
    const ret = list.find((r) => r.kind === 'sale_return')
    assert.deepEqual(
      [sale?.total, sale?.status, ret?.total, ret?.status, list.length],
      ['1000.00', 'fiscalized', '1000.00', 'fiscalized', 2],
    )
    assert.equal(ret?.original_receipt_id, sale?.id)
    assert.equal(wk.receipt(`r-${tx}-1`)?.request.ReturnBasisDetails?.CheckNumber, sale?.fiscal.check_number)
  })

  test('paid_amount going down, a stale event and a repeat make no receipt; nothing is returned twice', async () => {
    const tx = newTx()
    await deliver({ transaction_id: tx, event: 'paid', paid_amount: 1_000 })
    for (const fields of [
      { event: 'partially_paid', paid_amount: 400 },
      { event: 'paid', paid_amount: 900 },
      { event: 'paid', paid_amount: 0 },
      { event: 'failed', paid_amount: 0 },
      { event: 'cancelled', paid_amount: 1_000 },
      { event: 'something_new', paid_amount: 5_000 },
    ]) {
      const answer = await deliver({ transaction_id: tx, ...fields })
      assert.equal(answer.statusCode, 200, answer.body)
      assert.deepEqual(answer.json().receipts, [], JSON.stringify(fields))
    }
    await deliver({ transaction_id: tx, event: 'partially_refunded', paid_amount: 600, refunded_amount: 400 })
    await deliver({ transaction_id: tx, event: 'partially_refunded', paid_amount: 700, refunded_amount: 300 })
    await drain()
    assert.deepEqual(
      (await receiptsOf(tx)).map((r) => [r.kind, r.total]),
      [
        ['sale', '1000.00'],
        ['sale_return', '400.00'],
      ],
    )
  })

  test('a flood of events from one sender does not slow or fail another request, and leaves no half-written event', async () => {
    const tx = newTx()
    const floods = Array.from({ length: 300 }, (_, i) => {
      // Bad signatures, and valid events of one payment racing each other.
      if (i % 3 === 0)
        return send(body({ transaction_id: tx }), {
          'webhook-id': `f${i}`,
          'webhook-timestamp': '1',
          'webhook-signature': 'v1,AA==',
        })
      return deliver({ transaction_id: tx, event: 'partially_paid', paid_amount: (i % 10) + 1 })
    })
    const started = performance.now()
    const health = await fiscal.app.inject({ method: 'GET', url: '/api/cashboxes', headers: admin })
    const healthMs = performance.now() - started
    const answers = await Promise.all(floods)
    assert.equal(health.statusCode, 200, health.body)
    for (const answer of answers) assert.ok(answer.statusCode === 200 || answer.statusCode === 401, answer.body)
    await drain()
    // The receipts add up to the most that was ever paid, whatever order the racing events were planned in.
    const list = await receiptsOf(tx)
    const total = list.reduce((sum, r) => sum + Math.round(Number(r.total) * 100), 0)
    assert.equal(total, 1_000)
    assert.ok(list.every((r) => r.status === 'fiscalized'))
    assert.ok(healthMs < 5_000, `another request waited ${Math.round(healthMs)} ms`)
  })

  test('the signature is checked over the raw bytes: re-ordered keys or spacing are not the signed body', async () => {
    const payload = body({ transaction_id: newTx() })
    const headers = standardWebhookHeaders(SECRET, 'msg_raw', payload, clock.now())
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(payload)).reverse()))
    assertRefused('reordered', await send(reordered, headers), 'WEBHOOK_SIGNATURE_INVALID', 401)
    assertRefused('spaced', await send(`${payload}\n`, headers), 'WEBHOOK_SIGNATURE_INVALID', 401)
    const ts = Math.floor(clock.now().getTime() / 1000)
    const two = `v1,${'A'.repeat(43)}= ${signStandardWebhook(SECRET, 'msg_raw2', ts, payload).split(' ')[0]}`
    const ok = await send(payload, {
      'webhook-id': 'msg_raw2',
      'webhook-timestamp': String(ts),
      'webhook-signature': two,
    })
    assert.equal(ok.statusCode, 200, 'one good signature among several is enough')
  })
})
