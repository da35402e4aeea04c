import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { buildEventProviderApp } from '../src/app.ts'
import {
  createOrder,
  getOrder,
  getPlace,
  LAG,
  listPlaces,
  orderAction,
  release,
  START,
  select,
  startProvider,
} from './helpers.ts'

describe('order lifecycle', () => {
  test('create → select 2 → places_count reaches 2 only after the lag → submit → confirm; cancel is then 409', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    assert.equal((await getOrder(app, orderId)).statusCode, 404, 'the order projection row does not exist yet')
    time.now += LAG
    assert.equal((await getOrder(app, orderId)).json().places_count, 0)
    const [first, second] = await listPlaces(app)

    assert.equal((await select(app, first!.id, orderId)).statusCode, 204)
    assert.equal((await select(app, second!.id, orderId)).statusCode, 204)

    time.now += LAG - 1
    const early = await getOrder(app, orderId)
    assert.equal(early.statusCode, 200)
    assert.equal(early.json().places_count, 0)

    time.now += 1
    const joined = (await getOrder(app, orderId)).json()
    assert.deepEqual(joined, {
      id: orderId,
      status: 'STARTED',
      started_at: START,
      updated_at: START + 2 * LAG,
      places_count: 2,
    })

    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 200)
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 409)
    assert.equal((await orderAction(app, orderId, 'confirm')).statusCode, 200)
    assert.equal((await orderAction(app, orderId, 'confirm')).statusCode, 409)
    const cancel = await orderAction(app, orderId, 'cancel')
    assert.equal(cancel.statusCode, 409)
    assert.equal(cancel.body, '', 'the provider answers status codes only')

    const confirmed = (await getOrder(app, orderId)).json()
    assert.equal(confirmed.status, 'CONFIRMED')
    assert.equal(confirmed.places_count, 2)
    time.now += 10 * LAG
    assert.equal((await getPlace(app, first!.id)).json().is_free, false, 'sold places never come back')
  })

  test('works with the real clock: the order row and the added place appear after the lag', async () => {
    const app = buildEventProviderApp({ places: { rows: 1, seatsPerRow: 5 }, projectionLagMs: LAG })
    const orderId = await createOrder(app)
    assert.equal((await getOrder(app, orderId)).statusCode, 404, 'the projection row does not exist yet')
    const [place] = await listPlaces(app)
    assert.equal((await select(app, place!.id, orderId)).statusCode, 204)
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 409)
    await delay(LAG + 10)
    assert.equal((await getOrder(app, orderId)).json().places_count, 1)
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 200)
  })

  test('submit before any place joined the order is 409 NoPlacesAdded, and an empty order cannot be submitted', async () => {
    const { app, time } = startProvider()
    const empty = await createOrder(app)
    assert.equal((await orderAction(app, empty, 'submit')).statusCode, 409)

    const orderId = await createOrder(app)
    const [place] = await listPlaces(app)
    await select(app, place!.id, orderId)
    time.now += LAG - 1
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 409)
    time.now += 1
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 200)
  })

  test('confirm needs SUBMITTED; cancel twice is 409; a cancelled order takes no selects', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    assert.equal((await orderAction(app, orderId, 'confirm')).statusCode, 409)
    assert.equal((await orderAction(app, orderId, 'cancel')).statusCode, 200)
    assert.equal((await orderAction(app, orderId, 'cancel')).statusCode, 409)
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 409)
    const [place] = await listPlaces(app)
    assert.equal((await select(app, place!.id, orderId)).statusCode, 409)
    time.now += LAG
    assert.equal((await getOrder(app, orderId)).json().status, 'CANCELLED')
  })

  test('cancel frees the added places only after the lag', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    const [place] = await listPlaces(app)
    await select(app, place!.id, orderId)
    time.now += LAG
    assert.equal((await getPlace(app, place!.id)).json().is_free, false)

    assert.equal((await orderAction(app, orderId, 'cancel')).statusCode, 200)
    const other = await createOrder(app)
    assert.equal((await getPlace(app, place!.id)).json().is_free, false)
    assert.equal((await select(app, place!.id, other)).statusCode, 409, 'the release has not landed yet')

    time.now += LAG
    assert.equal((await getPlace(app, place!.id)).json().is_free, true)
    assert.equal((await select(app, place!.id, other)).statusCode, 204)
  })

  test('poison pill: a place selected but not yet added when the order is cancelled stays selected forever', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    const [place] = await listPlaces(app)
    await select(app, place!.id, orderId)
    assert.equal((await orderAction(app, orderId, 'cancel')).statusCode, 200)

    time.now += 100 * LAG
    const other = await createOrder(app)
    assert.equal((await select(app, place!.id, other)).statusCode, 409)
    assert.equal((await getPlace(app, place!.id)).json().is_free, false)
    assert.equal((await release(app, place!.id)).statusCode, 409, 'its order is no longer STARTED')
  })

  test('poison pill on submit: the late place never joins, the submitted order keeps only the joined ones', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    const [early, late] = await listPlaces(app)
    await select(app, early!.id, orderId)
    time.now += LAG
    await select(app, late!.id, orderId)
    assert.equal((await orderAction(app, orderId, 'submit')).statusCode, 200)
    time.now += 10 * LAG
    assert.equal((await getOrder(app, orderId)).json().places_count, 1)
    assert.equal((await getPlace(app, late!.id)).json().is_free, false)
  })
})

describe('order ids', () => {
  test('an unknown order is 404 on read and 500 on every command; a malformed id is 500', async () => {
    const { app } = startProvider()
    const unknown = '00000000-0000-4000-8000-000000000000'
    assert.equal((await getOrder(app, unknown)).statusCode, 404)
    for (const action of ['submit', 'confirm', 'cancel'] as const) {
      assert.equal((await orderAction(app, unknown, action)).statusCode, 500, action)
      assert.equal((await orderAction(app, 'not-a-uuid', action)).statusCode, 500, action)
    }
    const malformed = await getOrder(app, 'not-a-uuid')
    assert.equal(malformed.statusCode, 500)
    assert.equal(malformed.body, '')
  })

  test('order ids are matched case-insensitively, like java.util.UUID', async () => {
    const { app, time } = startProvider()
    const orderId = await createOrder(app)
    time.now += LAG
    assert.equal((await getOrder(app, orderId.toUpperCase())).json().id, orderId)
  })
})
