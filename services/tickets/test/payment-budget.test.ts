import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buyers, client } from './harness.ts'
import { type Platform, startPlatform } from './simulators.ts'

/** The gateway's daily limit in these tests: 1 000 000 ₸, room for two and a half 400 000 ₸ payments. */
const DAILY_LIMIT = 100_000_000
/** Event 1 without a provider is a local stadium: rows 71–100 cost 200 000 ₸ (20 000 000 tiyn) a seat. */
const TOP_ROW_SEAT = 70_001

/**
 * The team's daily limit at ТөлеуБар counts every started amount, paid or not. Unpaid starts must not use it up for
 * everyone: a user may keep only a few open, a refusal for the limit is its own clear answer that undoes the
 * initiation, and what is left of the budget is a metric that survives a reset.
 */
describe('the gateway’s daily limit and unpaid payment starts', () => {
  let platform: Platform
  let api: ReturnType<typeof client>
  const [alice, bob, carol] = buyers
  let nextSeat = TOP_ROW_SEAT

  before(async () => {
    platform = await startPlatform({
      provider: false,
      gateway: { dailyLimit: DAILY_LIMIT },
      env: {
        PAYMENT_DAILY_LIMIT_TIYN: String(DAILY_LIMIT),
        // 500 000 ₸ of unpaid starts per user: one 400 000 ₸ payment, not two.
        MAX_UNPAID_AMOUNT_PER_USER_TIYN: '50000000',
      },
    })
    api = client(platform.tickets)
  })
  after(() => platform?.close())

  const seatsOf = new Map<number, number[]>()

  /** A booking of `seats` top-row seats of event 1 (200 000 ₸ each). */
  async function booking(user: (typeof buyers)[number], seats: number) {
    const id = await api.createBooking(user, 1)
    const taken = Array.from({ length: seats }, () => nextSeat++)
    for (const seat of taken) assert.equal((await api.select(user, id, seat)).status, 200)
    seatsOf.set(id, taken)
    return id
  }

  const initiate = (user: (typeof buyers)[number], id: number) =>
    api.patch('/api/bookings/initiatePayment', { booking_id: id }, user)

  async function statusOf(user: (typeof buyers)[number], id: number): Promise<string> {
    return (await api.get('/api/bookings', user)).json.find((b: { id: number }) => b.id === id).status
  }

  async function metric(name: string): Promise<number | undefined> {
    const text = (await api.get('/metrics')).body
    const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))
    return match ? Number(match[1]) : undefined
  }

  function gatewayInits(): number {
    const stats = platform.tickets.outbound.find((t) => t.name === 'payment-gateway')!.stats()
    return Object.values(stats.init ?? {}).reduce((sum, n) => sum + n, 0)
  }

  test('a second unpaid 400 000 ₸ start by one user is refused, so another user can still pay', async () => {
    const first = await booking(alice, 2)
    assert.equal((await initiate(alice, first)).status, 302)
    const initsBefore = gatewayInits()
    const second = await booking(alice, 2)
    const refused = await initiate(alice, second)
    assert.equal(refused.status, 429)
    assert.equal(refused.json.error.code, 'TOO_MANY_UNPAID_PAYMENTS')
    assert.equal(gatewayInits(), initsBefore, 'the gateway was not asked: nothing of its budget was used')
    assert.equal(await statusOf(alice, second), 'CREATED', 'the booking can be paid once the first is settled')

    const bobs = await booking(bob, 2)
    assert.equal((await initiate(bob, bobs)).status, 302, 'another user still pays')
    assert.equal(await metric('payment_gateway_daily_budget_remaining_tiyn'), 20_000_000, '100 M − 2 × 40 M')

    // Once alice's first start is no longer open (she cancelled it), another may start: one seat, 20 M tiyn.
    assert.equal((await api.patch('/api/bookings/cancel', { booking_id: first }, alice)).status, 200)
    assert.equal((await api.patch('/api/seats/release', { seat_id: seatsOf.get(second)![1] }, alice)).status, 200)
    assert.equal((await initiate(alice, second)).status, 302)
  })

  test('the gateway’s limit answer (429 3015) is its own error: the initiation is undone, not left hanging', async () => {
    // The simulator has counted 40 + 40 + 20 M tiyn by now, all of the 100 M limit: nothing fits.
    const carols = await booking(carol, 2)
    const refused = await initiate(carol, carols)
    assert.equal(refused.status, 503)
    assert.equal(refused.json.error.code, 'GATEWAY_DAILY_LIMIT')
    assert.equal(await statusOf(carol, carols), 'CREATED', 'not stuck in PAYMENT_INITIATED')
    const { rows } = await platform.tickets.db.query('SELECT 1 FROM payment WHERE booking_id = $1', [carols])
    assert.deepEqual(rows, [], 'no payment is left behind')
    const again = await initiate(carol, carols)
    assert.equal(again.json.error.code, 'GATEWAY_DAILY_LIMIT', 'a retry gets the same clear answer')
    // The booking can be changed again; a smaller sum does not fit either, and the answer stays the same.
    assert.equal((await api.patch('/api/seats/release', { seat_id: seatsOf.get(carols)![1] }, carol)).status, 200)
    assert.equal((await initiate(carol, carols)).json.error.code, 'GATEWAY_DAILY_LIMIT')
    assert.equal(await statusOf(carol, carols), 'CREATED')
  })

  test('the remaining daily budget is a metric from our own ledger, and a reset does not forget it', async () => {
    // The gateway accepted 40 + 40 + 20 M tiyn today (alice, bob, alice again).
    assert.equal(await metric('payment_gateway_daily_initiated_tiyn'), 100_000_000)
    assert.equal(await metric('payment_gateway_daily_budget_remaining_tiyn'), 0)
    const reset = await api.post('/api/reset')
    assert.equal(reset.status, 200)
    // The gateway's counter is not reset by ours: neither is the ledger.
    assert.equal(await metric('payment_gateway_daily_initiated_tiyn'), 100_000_000)
    assert.equal(await metric('payment_gateway_daily_budget_remaining_tiyn'), 0)
  })
})
