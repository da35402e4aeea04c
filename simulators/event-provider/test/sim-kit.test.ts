import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildEventProviderApp } from '../src/app.ts'
import { eventProviderFromEnv } from '../src/env.ts'
import { createOrder, listPlaces, select, startProvider } from './helpers.ts'

describe('the provider on the sim-kit', () => {
  test('a script fails the next selects by operation name, with the provider’s bare status; the log shows them', async () => {
    const { app } = startProvider()
    const order = await createOrder(app)
    const [place] = await listPlaces(app, 'page=1&pageSize=1')
    const scripted = await app.inject({
      method: 'POST',
      url: '/__sim/operations/selectPlace/script',
      payload: { outcomes: [{ status: 500 }, { status: 409 }] },
    })
    assert.equal(scripted.statusCode, 200)
    const first = await select(app, place.id, order)
    assert.equal(first.statusCode, 500)
    assert.equal(first.body, '', 'faults answer as the provider does: no body')
    assert.equal((await select(app, place.id, order)).statusCode, 409)
    assert.equal((await select(app, place.id, order)).statusCode, 204, 'the script is used up')

    const log = (await app.inject({ url: '/__sim/requests?operation=selectPlace' })).json().requests
    assert.deepEqual(
      log.map((entry: { status: number; fault?: string }) => [entry.status, entry.fault]),
      [
        [500, 'status 500'],
        [409, 'status 409'],
        [204, undefined],
      ],
    )
  })

  test('every partner call is a named operation', async () => {
    const { app } = startProvider()
    const names = (await app.inject({ url: '/__sim/operations' }))
      .json()
      .operations.map((state: { operation: string }) => state.operation)
    assert.deepEqual(names, [
      'cancelOrder',
      'confirmOrder',
      'createOrder',
      'createPlace',
      'getOrder',
      'getPlace',
      'listPlaces',
      'releasePlace',
      'selectPlace',
      'submitOrder',
    ])
  })

  test('environment: read through loadConfig; production closes the control routes but keeps health', async () => {
    assert.deepEqual(eventProviderFromEnv({}).options, { projectionLagMs: undefined, controlRoutes: true })
    assert.equal(eventProviderFromEnv({ EVENT_PROVIDER_PROJECTION_LAG_MS: '5' }).options.projectionLagMs, 5)
    assert.throws(() => eventProviderFromEnv({ EVENT_PROVIDER_PORT: 'ninety' }), /EVENT_PROVIDER_PORT/)

    const { options } = eventProviderFromEnv({ NODE_ENV: 'production' })
    const app = buildEventProviderApp({ ...options, places: { rows: 1, seatsPerRow: 1 } })
    assert.equal((await app.inject({ url: '/__sim/faults' })).statusCode, 404)
    assert.deepEqual((await app.inject({ url: '/__sim/health' })).json(), { status: 'ok', places: 1 })
  })
})
