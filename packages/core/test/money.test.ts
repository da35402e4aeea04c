import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatTenge, parseTenge, percentOf, tenge } from '../src/money.ts'

test('tenge decimals parse to tiyn exactly and format back with two decimals', () => {
  assert.equal(parseTenge('40000.00'), 4_000_000n)
  assert.equal(parseTenge('12.5'), 1_250n)
  assert.equal(parseTenge('-0.01'), -1n)
  assert.equal(formatTenge(4_000_000n), '40000.00')
  assert.equal(formatTenge(5), '0.05')
  assert.equal(formatTenge(-150n), '-1.50')
  assert.equal(formatTenge(1_400_000_000_000n), '14000000000.00')
  assert.equal(tenge(200_000), 20_000_000n)
})

test('amounts with more than two decimals or stray text are refused', () => {
  for (const bad of ['1.005', '1,00', 'abc', '', '1e3']) assert.throws(() => parseTenge(bad), RangeError, bad)
})

test('percentages round by the named rule', () => {
  // 2.5 % of 1.01 ₸ = 2.525 tiyn
  assert.equal(percentOf(101n, 250n, 'half-up'), 3n)
  assert.equal(percentOf(101n, 250n, 'down'), 2n)
  assert.equal(percentOf(101n, 250n, 'up'), 3n)
  // 2 % of 1.00 ₸ = 2 tiyn exactly, whatever the rule
  assert.equal(percentOf(100n, 200n, 'up'), 2n)
  // half-up on a tie: 0.5 tiyn rounds away from zero
  assert.equal(percentOf(50n, 100n, 'half-up'), 1n)
  assert.equal(percentOf(-50n, 100n, 'half-up'), -1n)
  assert.equal(percentOf(-101n, 250n, 'down'), -3n)
})
