import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkStatus, initPayment, signed, startGateway, submitCard, TEAM } from './helpers.ts'

function cancel(app: Awaited<ReturnType<typeof startGateway>>['app'], paymentId: string) {
  return app.inject({ method: 'POST', url: '/api/v1/PaymentCancel/cancel', payload: signed({ paymentId }) })
}

test('cancelBroken fault: every cancel answers 401 3001 in the error envelope and no payment changes', async () => {
  const { app } = await startGateway()
  const set = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { cancelBroken: true } })
  assert.equal(set.statusCode, 200)
  assert.equal(set.json().cancelBroken, true)

  const fresh = (await initPayment(app)).json().paymentId
  const authorized = (await initPayment(app)).json().paymentId
  await submitCard(app, authorized, '4111111111111111')
  const confirmed = (await initPayment(app)).json().paymentId
  await submitCard(app, confirmed, '4111111111111111')
  await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: 't', paymentId: confirmed },
  })

  for (const [paymentId, status] of [
    [fresh, 'NEW'],
    [authorized, 'AUTHORIZED'],
    [confirmed, 'CONFIRMED'],
  ]) {
    const response = await cancel(app, paymentId)
    assert.equal(response.statusCode, 401)
    const body = response.json()
    assert.equal(body.success, false)
    assert.equal(body.errorCode, '3001')
    assert.ok('message' in body && 'details' in body && 'timestamp' in body && 'correlationId' in body)
    assert.equal(await checkStatus(app, paymentId), status)
  }
  // Even an unknown payment gets the 401: the broken re-authentication comes before any lookup.
  assert.equal((await cancel(app, '1')).json().errorCode, '3001')
})

test('cancelBroken fault: model validation still answers first (400 3100 without paymentId)', async () => {
  const { app } = await startGateway({ cancelBroken: true })
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: { teamSlug: TEAM.teamSlug, token: 'x' },
  })
  assert.equal(response.statusCode, 400)
  assert.equal(response.json().errorCode, '3100')
})

test('switching cancelBroken off restores the working cancel', async () => {
  const { app } = await startGateway()
  const { paymentId } = (await initPayment(app)).json()
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { cancelBroken: true } })
  assert.equal((await cancel(app, paymentId)).statusCode, 401)
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { cancelBroken: false } })
  const response = await cancel(app, paymentId)
  assert.equal(response.statusCode, 200)
  assert.equal(response.json().status, 'CANCELLED')
})

test('the cancelBroken option starts the gateway broken; by default cancel works and the fault is off', async () => {
  const broken = (await startGateway({ cancelBroken: true })).app
  assert.equal((await broken.inject({ url: '/__sim/faults' })).json().cancelBroken, true)
  const brokenPayment = (await initPayment(broken)).json().paymentId
  assert.equal((await cancel(broken, brokenPayment)).json().errorCode, '3001')

  const working = (await startGateway()).app
  assert.deepEqual((await working.inject({ url: '/__sim/faults' })).json(), {
    outage: false,
    latencyMs: 0,
    errorRate: 0,
    cancelBroken: false,
    duplicateWebhooks: 1,
  })
  const workingPayment = (await initPayment(working)).json().paymentId
  assert.equal((await cancel(working, workingPayment)).statusCode, 200)
})
