import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FailureThrottle } from '../src/throttle.ts'

const minute = 60_000
const limits = (maxKeys?: number) =>
  new FailureThrottle({
    perAccountAndIp: { max: 3, windowMs: minute },
    perIp: { max: 5, windowMs: minute },
    perAccount: { max: 8, windowMs: minute },
    maxKeys,
  })

test('one address failing on one account is refused after the pair limit until its window ends', () => {
  const throttle = limits()
  for (let i = 0; i < 3; i++) {
    assert.equal(throttle.retryAfterMs('victim', '10.0.0.1', i), 0)
    throttle.fail('victim', '10.0.0.1', i)
  }
  assert.equal(throttle.retryAfterMs('victim', '10.0.0.1', 1_000), minute - 1_000)
  assert.equal(throttle.retryAfterMs('victim', '10.0.0.2', 1_000), 0, 'another address may still try')
  assert.equal(throttle.retryAfterMs('other', '10.0.0.1', 1_000), 0, 'another account from it too')
  assert.equal(throttle.retryAfterMs('victim', '10.0.0.1', minute), 0, 'the window has ended')
})

test('one address spraying many accounts is refused after the address limit, for every account', () => {
  const throttle = limits()
  for (let i = 0; i < 5; i++) throttle.fail(`user${i}`, '10.0.0.1', 0)
  assert.equal(throttle.retryAfterMs('fresh', '10.0.0.1', 10), minute - 10)
  assert.equal(throttle.retryAfterMs('fresh', '10.0.0.9', 10), 0)
})

test('over the account limit only addresses that failed on it are refused, so its owner can still log in', () => {
  const throttle = limits()
  for (let i = 0; i < 8; i++) throttle.fail('victim', `10.0.1.${i}`, 0)
  assert.ok(throttle.retryAfterMs('victim', '10.0.1.0', 10) > 0, 'an attacking address is refused at once')
  assert.equal(throttle.retryAfterMs('victim', '192.168.1.1', 10), 0, 'the owner from a clean address is not')
  // A fresh attacking address gets one guess, then is refused as well.
  assert.equal(throttle.retryAfterMs('victim', '10.0.2.1', 10), 0)
  throttle.fail('victim', '10.0.2.1', 10)
  assert.ok(throttle.retryAfterMs('victim', '10.0.2.1', 11) > 0)
  assert.equal(throttle.retryAfterMs('victim', '10.0.1.0', minute), 0, 'the refusal lifts with the window')
})

test('an attempt begun before its check costs a right password nothing, and a wrong one counts everywhere', () => {
  const throttle = limits()
  for (let i = 0; i < 10; i++) {
    throttle.begin('user', '10.0.0.1', i)
    throttle.settle('user', '10.0.0.1', i, false)
  }
  assert.equal(throttle.retryAfterMs('user', '10.0.0.1', 10), 0)
  for (let i = 0; i < 3; i++) {
    throttle.begin('guessed', '10.0.0.2', i)
    throttle.settle('guessed', '10.0.0.2', i, true)
  }
  assert.equal(throttle.size.ips, 1, 'settled failures count against the address too')
})

test('many accounts logging in at once from one address are not failures before their checks say so', () => {
  const throttle = limits()
  for (let i = 0; i < 500; i++) throttle.begin(`user${i}`, '10.0.0.1', 0)
  assert.equal(throttle.retryAfterMs('user500', '10.0.0.1', 0), 0, 'a NAT or a load test is not a password spray')
  for (let i = 0; i < 500; i++) throttle.settle(`user${i}`, '10.0.0.1', 0, false)
  // One account guessed many times at once from one address is stopped before the checks come back.
  for (let i = 0; i < 10; i++) throttle.begin('victim', '10.0.0.9', 0)
  assert.ok(throttle.retryAfterMs('victim', '10.0.0.9', 0) > 0)
})

test('memory stays bounded: expired windows are swept and the oldest forgotten beyond the key limit', () => {
  const throttle = limits(100)
  for (let i = 0; i < 1_000; i++) throttle.fail(`user${i}`, `10.0.${i >> 8}.${i & 255}`, i)
  assert.deepEqual(throttle.size, { pairs: 100, ips: 100, accounts: 100 })
  throttle.fail('late', '10.9.9.9', 10 * minute)
  assert.deepEqual(throttle.size, { pairs: 1, ips: 1, accounts: 1 }, 'expired windows went without being read')
})
