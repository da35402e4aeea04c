import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { createHttpTarget } from '@kokdala/core'
import { fetchJson } from '@kokdala/core/testing'
import { buildEventProviderApp, type EventProviderApp, seededPlaceId } from '@kokdala/event-provider'
import { createProviderClient } from '../src/modules/provider/client.ts'
import { reconcileWithProvider } from '../src/modules/provider/reconcile.ts'
import { buyers, client, startTickets } from './harness.ts'
import { eventually } from './simulators.ts'

const HELD = { row: 3, seat: 7, seatId: 2_007 }
const SOLD = { row: 50, seat: 500, seatId: 49_500 }
/** Places an admin might create by mistake: before the first row, past a row's end, after the last row. */
const ODD = [
  { row: 0, seat: 5 },
  { row: 7, seat: 1_001 },
  { row: 101, seat: 1 },
]

describe('loading event 1 from the Event Provider over HTTP', () => {
  let provider: EventProviderApp
  let providerUrl: string
  let t: Awaited<ReturnType<typeof startTickets>>
  let api: ReturnType<typeof client>
  const oddIds: string[] = []

  const call = (method: string, path: string, body?: unknown) => fetchJson(providerUrl, method, path, body)

  /** Selects places in a new order of another partner, optionally through submit and confirm (a sale). */
  async function takeAtProvider(placeIds: string[], { confirm }: { confirm: boolean }) {
    const orderId = (await call('POST', '/api/partners/v1/orders')).json.order_id as string
    for (const placeId of placeIds) {
      assert.equal(
        (await call('PATCH', `/api/partners/v1/places/${placeId}/select`, { order_id: orderId })).status,
        204,
      )
    }
    if (confirm) {
      // Submit only once the order holds every place (research §2.3: otherwise 409, or a stopped consumer).
      await eventually(
        async () => (await call('GET', `/api/partners/v1/orders/${orderId}`)).json?.places_count === placeIds.length,
        5_000,
        'the provider order to hold its places',
      )
      assert.equal((await call('PATCH', `/api/partners/v1/orders/${orderId}/submit`)).status, 200)
      assert.equal((await call('PATCH', `/api/partners/v1/orders/${orderId}/confirm`)).status, 200)
    }
    for (const placeId of placeIds) {
      await eventually(
        async () => (await call('GET', `/api/partners/v1/places/${placeId}`)).json?.is_free === false,
        5_000,
        'the places projection to show the place taken',
      )
    }
  }

  /** A stadium seat's status as buyers see it in GET /api/seats. */
  async function seatStatus(seatId: number): Promise<string> {
    const row = Math.ceil(seatId / 1_000)
    const number = seatId - (row - 1) * 1_000
    const listed = await api.get(`/api/seats?event_id=1&row=${row}&page=${Math.ceil(number / 20)}&pageSize=20`)
    assert.equal(listed.status, 200)
    return listed.json.find((seat: { id: number }) => seat.id === seatId).status
  }

  async function selectAnswer(seatId: number) {
    const booking = await api.createBooking(buyers[0], 1)
    const selected = await api.select(buyers[0], booking, seatId)
    return { status: selected.status, code: selected.json?.error?.code }
  }

  before(
    async () => {
      provider = buildEventProviderApp({ projectionLagMs: 20 })
      await provider.listen({ port: 0, host: '127.0.0.1' })
      providerUrl = `http://127.0.0.1:${(provider.server.address() as AddressInfo).port}`
      // The provider is never reset, so it already has history when Biletter starts: one place held in an open
      // order, one sold, and a few odd places an admin created.
      await takeAtProvider([seededPlaceId(HELD.row, HELD.seat)], { confirm: false })
      await takeAtProvider([seededPlaceId(SOLD.row, SOLD.seat)], { confirm: true })
      for (const place of ODD) {
        const created = await call('POST', '/api/admin/v1/places', place)
        assert.equal(created.status, 202)
        oddIds.push(created.json.place_id)
      }
      await eventually(
        async () => (await call('GET', `/api/partners/v1/places/${oddIds.at(-1)}`)).status === 200,
        5_000,
        'the admin-created places to be listed',
      )
      t = await startTickets({ EVENT_PROVIDER_URL: providerUrl }, { background: true, realClock: true })
      api = client(t)
      // Before odd places were skipped, this never resolved: the start-up load failed and retried every 5 s.
      await t.placesLoaded()
    },
    { timeout: 60_000 },
  )
  after(async () => {
    await t?.close()
    await provider?.close()
  })

  test('places held or sold at the provider are not FREE after the load nor after a reset; selecting one is 419 SEAT_NOT_FREE', async () => {
    for (const attempt of ['after start-up', 'after POST /api/reset']) {
      assert.equal(await seatStatus(HELD.seatId), 'SOLD', `held place ${attempt}`)
      assert.equal(await seatStatus(SOLD.seatId), 'SOLD', `sold place ${attempt}`)
      assert.equal(await seatStatus(HELD.seatId + 1), 'FREE', `the held place's neighbour ${attempt}`)
      assert.deepEqual(await selectAnswer(HELD.seatId), { status: 419, code: 'SEAT_NOT_FREE' }, attempt)
      assert.deepEqual(await selectAnswer(SOLD.seatId), { status: 419, code: 'SEAT_NOT_FREE' }, attempt)
      if (attempt === 'after start-up') assert.equal((await api.post('/api/reset')).status, 200)
    }
  })

  test('a place outside the stadium does not stop the load: it is skipped and reported, by load, reset and reconcile', async () => {
    const expected = ODD.map((place, i) => ({ id: oddIds[i], ...place }))
    const byRow = (a: { row: number }, b: { row: number }) => a.row - b.row

    const loaded = await t.services.provider!.places.load()
    assert.equal(loaded.places, 100_000 + ODD.length)
    assert.equal(loaded.unmappable, ODD.length)
    assert.deepEqual(loaded.unmappableExamples.toSorted(byRow), expected)

    const reset = await t.services.reset.reset()
    assert.equal((await reset.reload)?.unmappable, ODD.length, 'the reload a reset starts reports them too')
    assert.equal((await api.post('/api/reset')).status, 200, 'reset answers 200, not 503')

    const http = createHttpTarget({ name: 'reconcile', baseUrl: providerUrl })
    try {
      const report = await reconcileWithProvider(t.db, createProviderClient(http))
      assert.deepEqual(report.placeDifferences, [])
      assert.deepEqual(
        report.unmappablePlaces.toSorted(byRow),
        expected.map(({ id, row, seat }) => ({ placeId: id, row, seat, provider: 'free' })),
      )
    } finally {
      await http.close()
    }
  })

  test('loading twice keeps every seat id, place id and price; ids are (row − 1) × 1000 + seat, priced by row', async () => {
    const snapshot = async () =>
      (
        await t.db.query<{ id: number; externalId: string; price: string }>(
          `SELECT id::int, external_id AS "externalId", price::text FROM seat WHERE event_id = 1 ORDER BY id`,
        )
      ).rows
    const first = await snapshot()
    const again = await t.services.provider!.places.load()
    assert.deepEqual(
      { newlyMapped: again.newlyMapped, takenOutside: again.takenOutside, freedOutside: again.freedOutside },
      { newlyMapped: 0, takenOutside: 0, freedOutside: 0 },
    )
    assert.deepEqual(await snapshot(), first)

    assert.equal(first.length, 100_000)
    assert.deepEqual(
      first.map((seat) => seat.id),
      Array.from({ length: 100_000 }, (_, i) => i + 1),
    )
    for (const [row, seat] of [
      [1, 1],
      [7, 1_000],
      [100, 1_000],
    ]) {
      assert.equal(first[(row - 1) * 1_000 + seat - 1].externalId, seededPlaceId(row, seat))
    }
    // The legend's zones, in tenge: rows 1–10, 11–25, 26–45, 46–70, 71–100.
    const prices = await Promise.all(
      [1, 10, 11, 25, 26, 45, 46, 70, 71, 100].map(
        async (row) => (await api.get(`/api/seats?event_id=1&row=${row}&page=1&pageSize=1`)).json[0].price,
      ),
    )
    assert.deepEqual(prices, [
      ...['40000.00', '40000.00', '80000.00', '80000.00', '120000.00', '120000.00'],
      ...['160000.00', '160000.00', '200000.00', '200000.00'],
    ])
  })
})
