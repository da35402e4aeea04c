import assert from 'node:assert/strict'
import { test } from 'node:test'
import { paymentGatewayFromEnv } from '../src/env.ts'

test('PAYMENT_CANCEL_BROKEN, PAYMENT_DAILY_LIMIT and PAYMENT_AUTHORIZATION_HOLD_MS become app options', () => {
  const { options } = paymentGatewayFromEnv({
    PAYMENT_CANCEL_BROKEN: '1',
    PAYMENT_DAILY_LIMIT: '1000000',
    PAYMENT_AUTHORIZATION_HOLD_MS: '60000',
  })
  assert.equal(options.cancelBroken, true)
  assert.equal(options.dailyLimit, 1_000_000)
  assert.equal(options.authorizationHoldMs, 60_000)
  assert.equal(paymentGatewayFromEnv({ PAYMENT_CANCEL_BROKEN: '0' }).options.cancelBroken, false)
})

test('PAYMENT_DAILY_LIMIT=0 means no limit; unset variables leave the app defaults', () => {
  assert.equal(paymentGatewayFromEnv({ PAYMENT_DAILY_LIMIT: '0' }).options.dailyLimit, 0)
  const { options } = paymentGatewayFromEnv({})
  assert.equal(options.cancelBroken, undefined)
  assert.equal(options.dailyLimit, undefined)
  assert.equal(options.authorizationHoldMs, undefined)
})

test('a malformed limit, hold or flag stops the start instead of being guessed', () => {
  for (const raw of ['-1', '1e12', '1.5', 'abc', ' 5', '0x10', '99999999999999999999']) {
    assert.throws(() => paymentGatewayFromEnv({ PAYMENT_DAILY_LIMIT: raw }), /PAYMENT_DAILY_LIMIT/, raw)
  }
  for (const raw of ['0', '-5', '7d']) {
    assert.throws(() => paymentGatewayFromEnv({ PAYMENT_AUTHORIZATION_HOLD_MS: raw }), /PAYMENT_AUTHORIZATION_HOLD_MS/)
  }
  for (const raw of ['yes', 'on', 'TRUE ']) {
    assert.throws(() => paymentGatewayFromEnv({ PAYMENT_CANCEL_BROKEN: raw }), /PAYMENT_CANCEL_BROKEN/)
  }
})
