import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { client, type StartedPayments, sourceToken, startPayments } from './harness.ts'

/** The seed's scenarios 1–4 through the API, with the in-memory terminal pool standing in for the terminals. */
describe('the seed’s scenarios over the API', () => {
  let t: StartedPayments
  let api: ReturnType<typeof client>

  before(async () => {
    t = await startPayments()
    api = client(t, await sourceToken(t))
  })
  after(() => t.close())

  /** The attempt the last /kaspi started on the (fake) terminal. */
  const lastAttempt = () => t.terminals.calls.filter((c) => c.op === 'start').at(-1)!.attemptId

  async function create(amount: number, extra: object = {}) {
    const answer = await api.init({ amount, ...extra })
    assert.equal(answer.status, 201, JSON.stringify(answer.body))
    return answer.body.data.transaction_id as string
  }

  test('init answers the seed’s shape: 12-character id, amount, KZT, pending, expires_at an hour later', async () => {
    const answer = await api.init({
      amount: 50000,
      description: 'Оплата тура в Дубай #12345',
      customer_name: 'Иванов Иван Иванович',
      customer_phone: '+77001234567',
      customer_email: 'ivan@example.com',
      webhook_url: 'https://your-system.com/webhooks/payment',
      webhook_secret: 'your_secret_key_for_hmac',
      metadata: { order_id: '12345' },
    })
    assert.equal(answer.status, 201)
    assert.equal(answer.body.success, true)
    assert.equal(answer.body.message, 'Платеж создан')
    const { data } = answer.body
    assert.match(data.transaction_id, /^[0-9A-F]{12}$/)
    assert.deepEqual(
      { amount: data.amount, currency: data.currency, status: data.status },
      { amount: 50000, currency: 'KZT', status: 'pending' },
    )
    assert.match(data.expires_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    const shown = await api.get(data.transaction_id)
    assert.equal(shown.status, 200)
    const text = JSON.stringify(shown.body)
    for (const secret of [
      'Иванов',
      '+77001234567',
      'ivan@example.com',
      'your_secret_key_for_hmac',
      'your-system.com',
    ]) {
      assert.ok(!text.includes(secret), `the public view shows ${secret}`)
    }
    assert.deepEqual(
      [shown.body.data.paid_amount, shown.body.data.remaining_amount, shown.body.data.paid_at],
      [0, 50000, null],
    )
  })

  test('scenario 1: Gold, 50 000, paid in full; the webhook event says paid with nothing remaining', async () => {
    const id = await create(50000)
    const kaspi = await api.kaspi(id, 'kaspi_gold')
    assert.equal(kaspi.status, 200, JSON.stringify(kaspi.body))
    assert.equal(kaspi.body.message, 'Платеж инициирован')
    assert.deepEqual(
      { ...kaspi.body.data, payment_url: typeof kaspi.body.data.payment_url, qr_code: typeof kaspi.body.data.qr_code },
      {
        transaction_id: id,
        amount: 50000,
        original_amount: 50000,
        commission_amount: 0,
        commission_percent: 0,
        payment_method: 'kaspi_gold',
        payment_url: 'string',
        qr_code: 'string',
        terminal_id: kaspi.body.data.terminal_id,
      },
    )
    assert.equal(t.terminals.charged(lastAttempt()), 50000)
    assert.equal((await api.status(id)).body.data.status, 'processing')
    t.terminals.pay(lastAttempt(), 'Gold')
    const status = await api.status(id)
    assert.deepEqual(
      {
        status: status.body.data.status,
        paid: status.body.data.paid_amount,
        remaining: status.body.data.remaining_amount,
      },
      { status: 'paid', paid: 50000, remaining: 0 },
    )
    const event = t.events.at(-1)!
    assert.equal(event.name, 'paid')
    assert.equal(event.payload.paid_amount, 50000)
    assert.equal(event.payload.remaining_amount, 0)
    assert.ok(event.payload.paid_at)
  })

  test('scenario 2: credit adds 14 % on top (114 000), and paying it nets the 100 000', async () => {
    const id = await create(100000, { metadata: { order_id: 'A-1' } })
    const kaspi = await api.kaspi(id, 'kaspi_kredit')
    assert.deepEqual(
      [kaspi.body.data.amount, kaspi.body.data.original_amount, kaspi.body.data.commission_amount],
      [114000, 100000, 14000],
    )
    assert.equal(kaspi.body.data.commission_percent, 14)
    t.terminals.pay(lastAttempt(), 'Credit')
    const status = (await api.status(id)).body.data
    assert.deepEqual(
      [status.status, status.amount, status.original_amount, status.paid_amount, status.remaining_amount],
      ['paid', 114000, 100000, 114000, 0],
    )
    assert.equal(status.actual_amount_received, 100000)
    const event = t.events.at(-1)!
    assert.deepEqual(
      [event.payload.event, event.payload.amount, event.payload.original_amount, event.payload.paid_amount],
      ['paid', 114000, 100000, 114000],
    )
    assert.deepEqual(event.payload.metadata, { order_id: 'A-1' })
  })

  test('scenario 3: Gold chosen, paid by credit → 87 719 received, 12 281 remain; the top-up pays it', async () => {
    const id = await create(100000)
    assert.equal((await api.kaspi(id, 'kaspi_gold')).body.data.amount, 100000)
    t.terminals.pay(lastAttempt(), 'Credit', 100000)
    const partial = (await api.status(id)).body.data
    assert.deepEqual(
      [partial.status, partial.amount, partial.paid_amount, partial.actual_amount_received, partial.remaining_amount],
      ['partially_paid', 100000, 87719, 87719, 12281],
    )
    const event = t.events.at(-1)!
    assert.deepEqual(
      [event.name, event.payload.paid_amount, event.payload.remaining_amount],
      ['partially_paid', 87719, 12281],
    )
    const topUp = await api.kaspi(id, 'kaspi_gold')
    assert.deepEqual([topUp.body.data.amount, topUp.body.data.original_amount], [12281, 12281])
    t.terminals.pay(lastAttempt(), 'Gold')
    const paid = (await api.status(id)).body.data
    assert.deepEqual([paid.status, paid.amount, paid.paid_amount, paid.remaining_amount], ['paid', 100000, 100000, 0])
    assert.equal(t.events.at(-1)!.name, 'paid')
  })

  test('scenario 4: credit chosen (114 000), paid by Gold → 14 000 remain; option A pays the 14 000', async () => {
    const id = await create(100000)
    assert.equal((await api.kaspi(id, 'kaspi_kredit')).body.data.amount, 114000)
    t.terminals.pay(lastAttempt(), 'Gold', 100000)
    const partial = (await api.status(id)).body.data
    assert.deepEqual(
      [partial.status, partial.amount, partial.paid_amount, partial.remaining_amount],
      ['partially_paid', 114000, 100000, 14000],
    )
    const topUp = await api.kaspi(id, 'kaspi_credit')
    assert.equal(topUp.body.data.amount, 14000, 'the alias kaspi_credit is credit')
    t.terminals.pay(lastAttempt(), 'Credit')
    const paid = (await api.status(id)).body.data
    assert.deepEqual([paid.status, paid.paid_amount, paid.remaining_amount], ['paid', 114000, 0])
  })

  test('a remainder within max(500 ₸, 0.5 %) is written off, recorded and shown', async () => {
    const id = await create(200000)
    await api.kaspi(id, 'kaspi_gold')
    t.terminals.pay(lastAttempt(), 'Gold', 199001)
    const paid = (await api.status(id)).body.data
    assert.deepEqual(
      [paid.status, paid.paid_amount, paid.remaining_amount, paid.written_off_amount],
      ['paid', 199001, 0, 999],
    )
    const rows = await t.db.query<{ kind: string; value_tiyn: number }>(
      `SELECT e.kind, e.value_tiyn FROM payment_entry e JOIN payment p ON p.id = e.payment_id
       WHERE p.transaction_id = $1 ORDER BY e.id`,
      [id],
    )
    assert.deepEqual(rows.rows, [
      { kind: 'capture', value_tiyn: 19_900_100 },
      { kind: 'write_off', value_tiyn: 99_900 },
    ])
    const tooShort = await create(200000)
    await api.kaspi(tooShort, 'kaspi_gold')
    t.terminals.pay(lastAttempt(), 'Gold', 198999)
    assert.equal((await api.status(tooShort)).body.data.status, 'partially_paid', '1 001 ₸ short is beyond 1 000')
  })

  test('applying one outcome twice changes nothing (the poller and a status check may both see it)', async () => {
    const id = await create(1000)
    await api.kaspi(id, 'kaspi_gold')
    const attempt = lastAttempt()
    const outcome = t.terminals.pay(attempt, 'Gold')
    const events = t.events.length
    assert.equal(await t.services.payments.settleAttempt(attempt, outcome), 'captured')
    assert.equal(await t.services.payments.settleAttempt(attempt, outcome), 'unchanged')
    assert.equal((await api.status(id)).body.data.paid_amount, 1000)
    assert.equal(t.events.length, events + 1)
  })

  test('a declined attempt fails the payment, which can be tried again', async () => {
    const id = await create(5000)
    await api.kaspi(id, 'kaspi_gold')
    t.terminals.fail(lastAttempt())
    assert.equal((await api.status(id)).body.data.status, 'failed')
    assert.equal(t.events.at(-1)!.name, 'failed')
    assert.equal((await api.kaspi(id, 'kaspi_red')).status, 200)
    assert.equal((await api.status(id)).body.data.status, 'processing')
  })
})
