import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lineTotalTiyn, tengeToTiyn, tiynToTenge, vatIncludedTiyn } from '../src/index.ts'

test('tiyn become tenge numbers with two decimals, exactly', () => {
  assert.equal(tiynToTenge(50000n), 500)
  assert.equal(tiynToTenge(5357n), 53.57)
  assert.equal(tiynToTenge(29n), 0.29)
  assert.equal(tiynToTenge(1n), 0.01)
  assert.equal(tiynToTenge(0n), 0)
  assert.equal(tiynToTenge(-1050n), -10.5)
  assert.equal(tiynToTenge(BigInt(Number.MAX_SAFE_INTEGER)), 90071992547409.91)
})

test('tiyn beyond what a JSON number carries exactly are refused, not rounded', () => {
  assert.throws(() => tiynToTenge(BigInt(Number.MAX_SAFE_INTEGER) + 1n), RangeError)
  assert.throws(() => tiynToTenge(500 as unknown as bigint), TypeError)
})

test('tenge numbers from Webkassa become tiyn; a third decimal or a non-number is refused', () => {
  assert.equal(tengeToTiyn(53.57), 5357n)
  assert.equal(tengeToTiyn(500), 50000n)
  assert.equal(tengeToTiyn(0.3), 30n)
  assert.equal(tengeToTiyn(-10.5), -1050n)
  assert.throws(() => tengeToTiyn(1.005), RangeError)
  assert.throws(() => tengeToTiyn(Number.NaN), RangeError)
  assert.throws(() => tengeToTiyn(Number.POSITIVE_INFINITY), RangeError)
})

test('every two-decimal amount survives tiyn → tenge → tiyn', () => {
  for (let tiyn = -1000n; tiyn <= 100_000n; tiyn += 7n) assert.equal(tengeToTiyn(tiynToTenge(tiyn)), tiyn)
})

test('VAT included at 12 %: 500 ₸ → 53.57 ₸, the figure in Webkassa’s samples', () => {
  assert.equal(vatIncludedTiyn(50000n, 12), 5357n)
})

test('VAT included at 16 % (since 2026), rounded half away from zero', () => {
  // 500 × 16 / 116 = 68.9655… → 68.97
  assert.equal(vatIncludedTiyn(50000n, 16), 6897n)
  // 1 160 ₸ × 16 / 116 = 160 exactly
  assert.equal(vatIncludedTiyn(116000n, 16), 16000n)
  // 29 tiyn × 16 / 116 = 4 exactly; 10 → 1.379… → 1; 11 → 1.517… → 2
  assert.equal(vatIncludedTiyn(29n, 16), 4n)
  assert.equal(vatIncludedTiyn(10n, 16), 1n)
  assert.equal(vatIncludedTiyn(11n, 16), 2n)
  // An exact half tiyn (14 × 12 / 112 = 1.5) rounds away from zero, both signs
  assert.equal(vatIncludedTiyn(14n, 12), 2n)
  assert.equal(vatIncludedTiyn(-14n, 12), -2n)
})

test('VAT at 0 % is nothing; a rate that is not a whole percent 0..100 is refused', () => {
  assert.equal(vatIncludedTiyn(50000n, 0), 0n)
  assert.throws(() => vatIncludedTiyn(50000n, 12.5), RangeError)
  assert.throws(() => vatIncludedTiyn(50000n, -1), RangeError)
  assert.throws(() => vatIncludedTiyn(50000n, 101), RangeError)
})

test('a line total is count × price − discount + markup, in tiyn', () => {
  assert.equal(lineTotalTiyn({ count: 3, price: 25050n }), 75150n)
  assert.equal(lineTotalTiyn({ count: 2, price: 10000n, discount: 500n, markup: 100n }), 19600n)
  assert.throws(() => lineTotalTiyn({ count: 0, price: 1n }), RangeError)
  assert.throws(() => lineTotalTiyn({ count: 1.5, price: 1n }), RangeError)
})
