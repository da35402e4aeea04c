import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildEventProviderApp } from '../src/app.ts'
import { seededPlaceId } from '../src/ids.ts'
import {
  createOrder,
  getOrder,
  getPlace,
  LAG,
  listPlaces,
  orderAction,
  release,
  select,
  startProvider,
} from './helpers.ts'

describe('places list', () => {
  test('pages are ordered by row then seat; page < 1 is page 1; pageSize defaults to 20', async () => {
    const { app } = startProvider()
    const all = await listPlaces(app)
    assert.equal(all.length, 30)
    assert.deepEqual(
      all.slice(0, 12).map((place) => [place.row, place.seat]),
      [...Array.from({ length: 10 }, (_, i) => [1, i + 1]), [2, 1], [2, 2]],
    )
    assert.ok(all.every((place) => place.is_free))

    assert.equal((await listPlaces(app, '')).length, 20)
    assert.deepEqual(await listPlaces(app, 'page=0&pageSize=5'), all.slice(0, 5))
    assert.deepEqual(await listPlaces(app, 'page=-3&pageSize=5'), all.slice(0, 5))
    assert.deepEqual(await listPlaces(app, 'page=2&pageSize=7'), all.slice(7, 14))
    assert.deepEqual(await listPlaces(app, 'page=99&pageSize=7'), [])
  })

  test('pageSize above 1000 is clamped silently; non-numeric parameters are a bare 500', async () => {
    const app = buildEventProviderApp({ places: { rows: 2, seatsPerRow: 700 } })
    assert.equal((await listPlaces(app, 'pageSize=5000')).length, 1000)
    for (const query of ['page=abc', 'pageSize=ten', 'page=1.5', 'pageSize=', 'page=99999999999']) {
      const response = await app.inject({ method: 'GET', url: `/api/partners/v1/places?${query}` })
      assert.equal(response.statusCode, 500, query)
      assert.equal(response.body, '', query)
    }
  })

  test('is_free flips only after the lag, in the list and for the single place', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    const [place] = await listPlaces(app)
    assert.equal((await select(app, place!.id, orderId)).statusCode, 204)
    assert.equal((await listPlaces(app))[0]!.is_free, true, 'the projection still lags')
    time.now += LAG
    assert.equal((await listPlaces(app))[0]!.is_free, false)
    assert.deepEqual((await getPlace(app, place!.id)).json(), { id: place!.id, row: 1, seat: 1, is_free: false })
  })

  test('seeded place ids are stable UUIDs derived from row and seat', async () => {
    const { app } = startProvider()
    const [first] = await listPlaces(app)
    assert.equal(first!.id, seededPlaceId(1, 1))
    assert.match(first!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const again = buildEventProviderApp({ places: { rows: 1, seatsPerRow: 1 } })
    assert.equal((await listPlaces(again))[0]!.id, first!.id)
  })

  test('unknown place is 404, malformed id is 500', async () => {
    const { app } = startProvider()
    assert.equal((await getPlace(app, '00000000-0000-4000-8000-000000000000')).statusCode, 404)
    assert.equal((await getPlace(app, 'nope')).statusCode, 500)
  })
})

describe('select and release', () => {
  test('selecting a taken place is 409, also for the order that holds it; a non-STARTED order is 409', async () => {
    const { app, time } = startProvider()
    const [place, other] = await listPlaces(app)
    const holder = await createOrder(app)
    const rival = await createOrder(app)
    assert.equal((await select(app, place!.id, holder)).statusCode, 204)
    time.now += LAG
    assert.equal((await select(app, place!.id, rival)).statusCode, 409)
    assert.equal((await select(app, place!.id, holder)).statusCode, 409)
    await orderAction(app, holder, 'submit')
    assert.equal((await select(app, other!.id, holder)).statusCode, 409)
  })

  test('concurrent selects of one place: exactly one 204, the losers 409 or the event-store 500', async () => {
    let flip = 0
    const { app } = startProvider({ random: () => (flip++ % 2 === 0 ? 0.1 : 0.9) })
    const [place] = await listPlaces(app)
    const orders = await Promise.all(Array.from({ length: 8 }, () => createOrder(app)))
    const statuses = (await Promise.all(orders.map((orderId) => select(app, place!.id, orderId)))).map(
      (response) => response.statusCode,
    )
    assert.equal(statuses.filter((status) => status === 204).length, 1)
    assert.ok(
      statuses.every((status) => [204, 409, 500].includes(status)),
      String(statuses),
    )
    assert.ok(statuses.includes(500) && statuses.includes(409), `both loser outcomes occur: ${statuses}`)
  })

  test('a select after the race window is always a plain 409', async () => {
    const { app, time } = startProvider({ random: () => 0, raceFailure500Probability: 1 })
    const [place] = await listPlaces(app)
    await select(app, place!.id, await createOrder(app))
    assert.equal((await select(app, place!.id, await createOrder(app))).statusCode, 500, 'inside the window')
    time.now += 10
    assert.equal((await select(app, place!.id, await createOrder(app))).statusCode, 409)
  })

  test('release takes the place out of the order at once; it can be selected again only after the lag', async () => {
    const { app, time } = startProvider()
    const [place] = await listPlaces(app)
    const orderId = await createOrder(app)
    await select(app, place!.id, orderId)
    assert.equal((await release(app, place!.id)).statusCode, 409, 'selected but not yet added to the order')
    time.now += LAG
    assert.equal((await release(app, place!.id)).statusCode, 204)
    assert.equal((await getOrder(app, orderId)).json().places_count, 0)
    assert.equal((await release(app, place!.id)).statusCode, 409, 'no longer in the order')
    assert.equal((await select(app, place!.id, orderId)).statusCode, 409, 'the release has not landed')
    assert.equal((await getPlace(app, place!.id)).json().is_free, false)

    time.now += LAG
    assert.equal((await getPlace(app, place!.id)).json().is_free, true)
    assert.equal((await release(app, place!.id)).statusCode, 500, 'releasing a free place')
    assert.equal((await select(app, place!.id, orderId)).statusCode, 204)
  })

  test('release of a place whose order was submitted is 409', async () => {
    const { app, time } = startProvider()
    const [place] = await listPlaces(app)
    const orderId = await createOrder(app)
    await select(app, place!.id, orderId)
    time.now += LAG
    await orderAction(app, orderId, 'submit')
    assert.equal((await release(app, place!.id)).statusCode, 409)
  })

  test('bad select bodies are 422; unknown place or order is 500; malformed place id is 500', async () => {
    const { app } = startProvider()
    const [place] = await listPlaces(app)
    const orderId = await createOrder(app)
    const url = `/api/partners/v1/places/${place!.id}/select`
    const bad: { payload?: string; headers?: Record<string, string> }[] = [
      {},
      { payload: '{"order_id":"nope"}', headers: { 'content-type': 'application/json' } },
      { payload: '{"order_id":', headers: { 'content-type': 'application/json' } },
      { payload: '[]', headers: { 'content-type': 'application/json' } },
      { payload: `order_id=${orderId}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ]
    for (const request of bad) {
      const response = await app.inject({ method: 'PATCH', url, ...request })
      assert.equal(response.statusCode, 422, JSON.stringify(request))
      assert.equal(response.body, '')
    }
    const unknown = '00000000-0000-4000-8000-000000000000'
    assert.equal((await select(app, unknown, orderId)).statusCode, 500)
    assert.equal((await select(app, place!.id, unknown)).statusCode, 500)
    assert.equal((await select(app, 'nope', orderId)).statusCode, 500)
    assert.equal((await release(app, unknown)).statusCode, 500)
    assert.equal((await release(app, 'nope')).statusCode, 500)
  })
})

describe('admin', () => {
  test('POST /api/admin/v1/places creates a place that is listed in row/seat order after the lag', async () => {
    const { app, time } = startProvider()
    const response = await app.inject({ method: 'POST', url: '/api/admin/v1/places', payload: { row: 2, seat: 11 } })
    assert.equal(response.statusCode, 202)
    const { place_id: placeId } = response.json()
    assert.equal((await getPlace(app, placeId)).statusCode, 404, 'the projection row lags')
    assert.equal((await listPlaces(app)).length, 30)
    time.now += LAG
    const all = await listPlaces(app)
    assert.equal(all.length, 31)
    assert.deepEqual(all[20], { id: placeId, row: 2, seat: 11, is_free: true })
    assert.equal((await select(app, placeId, await createOrder(app))).statusCode, 204)
  })

  test('a bad admin body is 422', async () => {
    const { app } = startProvider()
    for (const payload of [{ row: 1 }, { row: 'a', seat: 1 }, { row: 1.5, seat: 1 }, { row: 1, seat: 2 ** 40 }]) {
      const response = await app.inject({ method: 'POST', url: '/api/admin/v1/places', payload })
      assert.equal(response.statusCode, 422, JSON.stringify(payload))
    }
  })
})

describe('default hall', () => {
  test('100 × 1000 places: 100 pages of 1000, page 100 is row 100', async () => {
    const app = buildEventProviderApp()
    assert.equal(app.simulator.state.placeCount(), 100_000)
    const last = await listPlaces(app, 'page=100&pageSize=1000')
    assert.equal(last.length, 1000)
    assert.ok(last.every((place) => place.row === 100))
    assert.deepEqual([last[0]!.seat, last[999]!.seat], [1, 1000])
    assert.equal(last[999]!.id, seededPlaceId(100, 1000))
    assert.deepEqual(await listPlaces(app, 'page=101&pageSize=1000'), [])
  })
})
