import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseTenge, toTiyn } from '../src/money.ts'

test('a megabyte of digits is refused before it is turned into a BigInt, with a short message', () => {
  const huge = '9'.repeat(1_000_000)
  // Parsing a megabyte of digits into a BigInt costs ~100 ms of CPU: the refusal must come before any such parse.
  // Counted, not timed: BigInt is watched for long inputs while the hostile string is parsed.
  const original = globalThis.BigInt
  let longParses = 0
  globalThis.BigInt = new Proxy(original, {
    apply(target, self, args) {
      if (typeof args[0] === 'string' && args[0].length > 40) longParses++
      return Reflect.apply(target, self, args)
    },
  })
  try {
    assert.throws(
      () => parseTenge(huge),
      (error: Error) => error instanceof RangeError && error.message.length < 100,
    )
  } finally {
    globalThis.BigInt = original
  }
  assert.equal(longParses, 0, 'no BigInt was made of the hostile digits')
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
