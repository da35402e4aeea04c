import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHttpTarget, OutboundError, RetryLater, systemClock } from '@kokdala/core'
import { createProviderClient, type ProviderClient, type ProviderPlace } from '../src/modules/provider/client.ts'
import { createProviderRepository } from '../src/modules/provider/repository.ts'
import { type BookingPlaces, createProviderSaga } from '../src/modules/provider/saga.ts'
import { createSeatClaims } from '../src/modules/seats/claims.ts'
import { client as apiClient, buyers } from './harness.ts'
import { eventually, type Platform, startPlatform } from './simulators.ts'

/** Long enough that a cancel sent right after a select races its asynchronous join. */
const PROJECTION_LAG_MS = 400
const WAIT_LIMIT_MS = 1_500

describe('the provider saga when an answer is lost (a select that timed out may still have been applied)', () => {
  let platform: Platform
  let http: ReturnType<typeof createHttpTarget>
  let client: ProviderClient
  let places: ProviderPlace[]
  let nextBooking = 9_000

  before(async () => {
    platform = await startPlatform({ provider: { projectionLagMs: PROJECTION_LAG_MS } })
    http = createHttpTarget({ name: 'saga-test', baseUrl: platform.providerUrl, timeoutMs: 2_000 })
    client = createProviderClient(http)
    places = await client.listPlaces(50, 1000)
  })
  after(async () => {
    await http?.close()
    await platform?.close()
  })

  /**
   * The client as the network shows it: the first select of each listed place times out. The request never
   * arrived ('never'), or the provider applied it before the timeout ('before'), or only later, after the client
   * gave up ('late', 200 ms on: a request stuck in a queue).
   */
  function losingAnswers(placeIds: string[], applied: 'never' | 'before' | 'late'): ProviderClient {
    const lose = new Set(placeIds)
    return {
      ...client,
      async selectPlace(placeId, orderId) {
        if (!lose.delete(placeId)) return client.selectPlace(placeId, orderId)
        if (applied === 'before') await client.selectPlace(placeId, orderId)
        if (applied === 'late') setTimeout(() => void client.selectPlace(placeId, orderId), 200)
        throw new OutboundError('event-provider', 'selectPlace', 'timeout')
      },
    }
  }

  function sagaWith(sagaClient: ProviderClient) {
    return createProviderSaga({
      db: platform.tickets.db,
      client: sagaClient,
      clock: systemClock,
      claims: createSeatClaims(platform.tickets.db),
      projectionPollMs: 25,
      projectionWaitLimitMs: WAIT_LIMIT_MS,
    })
  }

  /** Runs a saga step the way the job worker does: again after RetryLater or a failure, until it succeeds. */
  async function untilDone<T>(step: () => Promise<T>, failuresAllowed = 5): Promise<{ value: T; errors: string[] }> {
    const errors: string[] = []
    for (;;) {
      try {
        return { value: await step(), errors }
      } catch (error) {
        if (error instanceof RetryLater) {
          await sleep(error.delayMs)
          continue
        }
        errors.push((error as Error).message)
        if (errors.length > failuresAllowed) throw error
        await sleep(50)
      }
    }
  }

  function bookingOf(count: number): { bookingId: number; seats: BookingPlaces } {
    const bookingId = nextBooking++
    return { bookingId, seats: places.splice(0, count).map((p, i) => ({ seatId: bookingId * 10 + i, placeId: p.id })) }
  }

  test('a lost select the provider applied is recognised as ours: the order is submitted with every place', async () => {
    const { bookingId, seats } = bookingOf(3)
    const saga = sagaWith(losingAnswers([seats[1].placeId!], 'before'))
    const { errors } = await untilDone(() => saga.submit(bookingId, seats))
    assert.equal(errors.length, 1, `only the lost answer failed a run: ${errors.join(' | ')}`)
    const order = (await createProviderRepository(platform.tickets.db).order(bookingId))!
    assert.equal(order.status, 'SUBMITTED')
    const remote = await platform.providerOrder(order.orderId)
    assert.deepEqual(remote, { ...remote, status: 'SUBMITTED', places_count: 3 })
    const selections = await createProviderRepository(platform.tickets.db).selections(bookingId)
    assert.deepEqual(
      selections.map((s) => [s.seatId, s.state]),
      seats.map((s) => [s.seatId, 'selected']),
    )
  })

  test('a cancel after a lost select waits until the place has joined, so the provider frees it', async () => {
    const { bookingId, seats } = bookingOf(2)
    const saga = sagaWith(losingAnswers([seats[1].placeId!], 'late'))
    // The first run selects one place and loses the answer of the second; the booking is cancelled right then,
    // while the lost select is still on its way to the provider.
    await assert.rejects(saga.submit(bookingId, seats), OutboundError)
    await untilDone(() => saga.cancel(bookingId))
    const order = (await createProviderRepository(platform.tickets.db).order(bookingId))!
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CANCELLED')
    // Cancelling before the join would strand the place at the provider: taken for good, never free again.
    for (const seat of seats) {
      const freed = await waitFor(async () => (await placeOf(seat.placeId!)).is_free, PROJECTION_LAG_MS * 5)
      assert.ok(freed, `place ${seat.placeId} is free again at the provider`)
    }
  })

  test('a select never answered whose place another order holds is given up only after the wait limit', async () => {
    const { bookingId, seats } = bookingOf(2)
    // Someone else's order holds the second place; our select of it never reached the provider.
    const other = await client.createOrder()
    await sleep(PROJECTION_LAG_MS)
    assert.equal(await client.selectPlace(seats[1].placeId!, other), 'ok')
    const saga = sagaWith(losingAnswers([seats[1].placeId!], 'never'))
    // The wait limit runs from when the lost select was sent, inside this first submit: the clock starts before it.
    // (Started after it, the check failed whenever the first submit's own timeout ate into the limit.)
    const started = Date.now()
    await assert.rejects(saga.submit(bookingId, seats), OutboundError)
    // The resend is refused (409): maybe because our lost select was applied. Only the settled count can tell.
    const outcome = await untilDone(() => saga.submit(bookingId, seats), 0).catch((error: Error) => error)
    assert.ok(outcome instanceof Error && /taken/.test(outcome.message), `refused as taken: ${outcome}`)
    assert.ok(Date.now() - started >= WAIT_LIMIT_MS, 'decided only once the select had had the wait limit to join')
    const selections = await createProviderRepository(platform.tickets.db).selections(bookingId)
    assert.deepEqual(
      selections.map((s) => [s.seatId, s.state]),
      [[seats[0].seatId, 'selected']],
      'the place that is not ours is forgotten; ours stays',
    )
    // The booking can still be cancelled, and gives back the place that was ours.
    await untilDone(() => saga.cancel(bookingId))
    assert.ok(await waitFor(async () => (await placeOf(seats[0].placeId!)).is_free, PROJECTION_LAG_MS * 5))
  })

  test('a reset while a saga is creating its provider order does not orphan the order: it is cancelled', async () => {
    const api = apiClient(platform.tickets)
    const [buyer] = buyers
    const booking = await api.createBooking(buyer, 1)
    assert.equal((await api.select(buyer, booking, 77_001)).status, 200)
    platform.provider.simulator.setFaults({ latencyMs: 500 })
    let resetting: Promise<unknown> | undefined
    try {
      assert.equal((await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, buyer)).status, 302)
      // The worker has claimed the saga, whose createOrder is now on its slow way to the provider.
      await eventually(async () => {
        const { rows } = await platform.tickets.db.query<{ attempts: number }>(
          'SELECT attempts FROM job WHERE dedupe_key = $1',
          [`fulfil:${booking}`],
        )
        return rows[0]?.attempts > 0
      })
      await sleep(100)
      assert.equal(await createProviderRepository(platform.tickets.db).order(booking), undefined)
      resetting = platform.tickets.services.reset.reset()
      await sleep(50)
    } finally {
      // The reset's places reload need not wait for the slow provider.
      platform.provider.simulator.resetFaults()
    }
    await resetting
    const order = await eventually(
      async () => {
        const order = await createProviderRepository(platform.tickets.db).order(booking)
        return order?.status === 'CANCELLED' && order
      },
      10_000,
      'the order created during the reset to be cancelled',
    )
    assert.equal((await platform.providerOrder(order.orderId)).status, 'CANCELLED')
  })

  async function placeOf(placeId: string): Promise<{ is_free: boolean }> {
    const response = await fetch(`${platform.providerUrl}/api/partners/v1/places/${placeId}`)
    return (await response.json()) as { is_free: boolean }
  }
})

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(25)
  }
  return check()
}
