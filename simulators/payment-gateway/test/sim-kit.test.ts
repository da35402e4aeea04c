import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildPaymentGatewayApp } from '../src/app.ts'
import { paymentGatewayFromEnv } from '../src/env.ts'
import { initPayment, startGateway } from './helpers.ts'

describe('the gateway on the sim-kit', () => {
  test('an injected status answers in the gateway’s error envelope, and only for its operation', async () => {
    const { app } = await startGateway()
    await app.inject({ method: 'PUT', url: '/__sim/operations/init', payload: { status: 502 } })
    const failed = await initPayment(app)
    assert.equal(failed.statusCode, 502)
    assert.equal(failed.json().success, false)
    assert.equal(failed.json().errorCode, '9999')
    assert.equal(typeof failed.json().correlationId, 'string')
    const [logged] = app.paymentGateway.kit.requests.list({ operation: 'init' })
    assert.equal(logged.fault, 'status 502')

    await app.inject({ method: 'DELETE', url: '/__sim/operations/init' })
    assert.equal((await initPayment(app)).statusCode, 200)
    const operations = (await app.inject({ url: '/__sim/operations' })).json().operations
    for (const name of ['init', 'check', 'status', 'confirm', 'cancel']) {
      assert.ok(
        operations.some((state: { operation: string }) => state.operation === name),
        name,
      )
    }
  })

  test('the live switch on app.paymentGateway and /__sim/faults are one and the same', async () => {
    const { app } = await startGateway()
    app.paymentGateway.faults.outage = true
    assert.equal((await app.inject({ url: '/__sim/faults' })).json().outage, true)
    assert.equal((await initPayment(app)).statusCode, 503)
    await app.inject({ method: 'DELETE', url: '/__sim/faults' })
    assert.equal(app.paymentGateway.faults.outage, false)
  })

  test('production closes every control route, the webhook log included; health stays', async () => {
    const { options } = paymentGatewayFromEnv({ NODE_ENV: 'production' })
    assert.equal(options.controlRoutes, false)
    assert.equal(paymentGatewayFromEnv({ NODE_ENV: 'production', SIM_CONTROL: 'on' }).options.controlRoutes, true)
    const app = await buildPaymentGatewayApp({ ...options, expirySweepMs: 0 })
    try {
      for (const url of ['/__sim/faults', '/__sim/operations', '/__sim/requests', '/__sim/webhooks']) {
        assert.equal((await app.inject({ url })).statusCode, 404, url)
      }
      assert.equal((await app.inject({ url: '/__sim/health' })).statusCode, 200)
    } finally {
      await app.close()
    }
  })
})
