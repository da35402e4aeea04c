import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseTenge, toTiyn } from '../src/money.ts'

test('a megabyte of digits is refused before it is turned into a BigInt, with a short message', () => {
  const huge = '9'.repeat(1_000_000)
  const started = performance.now()
  for (let i = 0; i < 20; i++) {
    assert.throws(
      () => parseTenge(huge),
      (error: Error) => error instanceof RangeError && error.message.length < 100,
    )
  }
  // Twenty BigInt parses of a megabyte take well over a second; twenty refusals by the pattern take milliseconds.
  assert.ok(performance.now() - started < 300, `${Math.round(performance.now() - started)} ms`)
})

test('the largest amounts and leading zeros still parse; 21 whole digits do not', () => {
  assert.equal(parseTenge('92233720368547758.07'), 2n ** 63n - 1n)
  assert.equal(parseTenge('00012.50'), 1_250n)
  assert.throws(() => parseTenge(`${'0'.repeat(20)}1`), RangeError)
})

test('refusals of hostile strings never echo more than the start of them', () => {
  assert.throws(
    () => toTiyn(`${'x'.repeat(10_000)}`),
    (error: Error) => error.message.length < 100,
  )
})
