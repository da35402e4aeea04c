import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildPaymentGatewayApp } from '../src/app.ts'
import { createDailyLimit, DEFAULT_DAILY_LIMIT } from '../src/daily-limit.ts'
import { GatewayError } from '../src/errors.ts'
import { initPayment, START, signed, startGateway, TEAM } from './helpers.ts'

const NEXT_UTC_DAY = Date.UTC(2025, 7, 16, 0, 0, 0)

test('an init that would take the team past its daily limit is 429 3015 and creates nothing', async () => {
  const { app } = await startGateway({ dailyLimit: 10_000 })
  assert.equal((await initPayment(app, { amount: 6000 })).statusCode, 200)
  const refused = await initPayment(app, { amount: 5000, orderId: 'over-1' })
  assert.equal(refused.statusCode, 429)
  const body = refused.json()
  assert.equal(body.success, false)
  assert.equal(body.errorCode, '3015')
  assert.equal(body.message, 'Daily payment limit exceeded')
  // No payment was stored and the orderId stays free.
  const lookup = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCheck/check',
    payload: signed({ orderId: 'over-1' }),
  })
  assert.equal(lookup.statusCode, 404)
  // A refused amount is not counted: exactly reaching the limit is still allowed, one tiyn more is not.
  assert.equal((await initPayment(app, { amount: 4000 })).statusCode, 200)
  assert.equal((await initPayment(app, { amount: 1000 })).statusCode, 429)
})

test('the daily limit resets at 00:00 UTC and a refused orderId can be used then', async () => {
  const { app, time } = await startGateway({ dailyLimit: 10_000 })
  assert.equal((await initPayment(app, { amount: 10_000 })).statusCode, 200)
  time.now = NEXT_UTC_DAY - 1
  assert.equal((await initPayment(app, { amount: 1000, orderId: 'late-1' })).statusCode, 429)
  time.now = NEXT_UTC_DAY
  assert.equal((await initPayment(app, { amount: 1000, orderId: 'late-1' })).statusCode, 200)
})

test('the daily limit is counted per team', async () => {
  const other = { teamSlug: 'other', password: 'other-password' }
  const { app } = await startGateway({ teams: [TEAM, other], dailyLimit: 10_000 })
  assert.equal((await initPayment(app, { amount: 10_000 })).statusCode, 200)
  assert.equal((await initPayment(app, { amount: 1000 })).statusCode, 429)
  assert.equal((await initPayment(app, { amount: 10_000 }, other)).statusCode, 200)
})

test('the default daily limit is the real 500 000 000 000 minor units: 10 000 maximal payments, then refused', () => {
  assert.equal(DEFAULT_DAILY_LIMIT, 500_000_000_000)
  const limit = createDailyLimit({ clock: () => START, limit: DEFAULT_DAILY_LIMIT })
  for (let i = 0; i < 10_000; i++) limit.reserve(TEAM.teamSlug, 50_000_000)
  assert.throws(
    () => limit.reserve(TEAM.teamSlug, 1000),
    (error) => error instanceof GatewayError && error.status === 429 && error.errorCode === '3015',
  )
})

test('dailyLimit 0 means no limit', () => {
  const limit = createDailyLimit({ clock: () => START, limit: 0 })
  assert.doesNotThrow(() => {
    for (let i = 0; i < 100; i++) limit.reserve(TEAM.teamSlug, Number.MAX_SAFE_INTEGER)
  })
})

test('a gateway built without dailyLimit uses the real limit; dailyLimit 0 turns it off', async () => {
  assert.equal((await startGateway()).app.paymentGateway.dailyLimit, 500_000_000_000)
  const unlimited = (await startGateway({ dailyLimit: 0 })).app
  assert.equal(unlimited.paymentGateway.dailyLimit, 0)
  assert.equal((await initPayment(unlimited, { amount: 50_000_000 })).statusCode, 200)
})

test('a negative or fractional dailyLimit option is refused when the gateway is built', async () => {
  for (const dailyLimit of [-1, 1.5, Number.NaN]) {
    await assert.rejects(
      buildPaymentGatewayApp({ teams: [TEAM], publicUrl: 'http://gateway.test', dailyLimit }),
      /dailyLimit must be an integer ≥ 0/,
    )
  }
})
