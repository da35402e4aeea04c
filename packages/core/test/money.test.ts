import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  allocate,
  displayTenge,
  divideRounded,
  formatTenge,
  MAX_TIYN,
  parseTenge,
  parseTengeNumber,
  percentOf,
  type Rounding,
  roundToWholeTenge,
  tenge,
  toTiyn,
} from '../src/money.ts'

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

test('parsing is strict: no spaces, signs, exponents, bare points, other digits or amounts beyond int8', () => {
  for (const bad of [
    ' 1.00',
    '1.00 ',
    '+1',
    '1e2',
    '1E2',
    '.5',
    '5.',
    '1.',
    '١٢',
    '1_000',
    '0x10',
    '--1',
    '1.0.0',
    '∞',
  ]) {
    assert.throws(() => parseTenge(bad), RangeError, JSON.stringify(bad))
  }
  assert.throws(() => parseTenge(undefined as unknown as string), RangeError)
  assert.equal(parseTenge('92233720368547758.07'), MAX_TIYN)
  assert.throws(() => parseTenge('92233720368547758.08'), RangeError)
  assert.equal(parseTenge('-92233720368547758.07'), -MAX_TIYN)
})

test('JSON numbers of tenge convert exactly or not at all', () => {
  assert.equal(parseTengeNumber(40000.5), 4_000_050n)
  assert.equal(parseTengeNumber(0.1), 10n)
  assert.equal(parseTengeNumber(19.99), 1_999n)
  for (const bad of [1.005, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1e-7]) {
    assert.throws(() => parseTengeNumber(bad), RangeError, String(bad))
  }
})

test('stored amounts become bigint tiyn; fractions and junk are refused', () => {
  assert.equal(toTiyn(4_000_000), 4_000_000n)
  assert.equal(toTiyn('9223372036854775807'), MAX_TIYN)
  assert.equal(toTiyn(-5n), -5n)
  for (const bad of [1.5, Number.MAX_SAFE_INTEGER + 1, '1.5', '', '1e3', ' 1', '9223372036854775808']) {
    assert.throws(() => toTiyn(bad), RangeError, String(bad))
  }
})

test('amounts display grouped with the tenge sign, Russian first', () => {
  assert.equal(displayTenge(4_000_050n), '40\u00a0000,50\u00a0₸')
  assert.equal(displayTenge(4_000_050n, 'en'), '40,000.50\u00a0₸')
  assert.equal(displayTenge(-123_456_789n, 'en'), '-1,234,567.89\u00a0₸')
  assert.equal(displayTenge(5, 'ru'), '0,05\u00a0₸')
  assert.equal(displayTenge(100_000n, 'ru'), '1\u00a0000,00\u00a0₸')
})

test('every rounding rule on ties, below and above half, both signs', () => {
  const rules: Rounding[] = ['half-up', 'half-even', 'half-down', 'down', 'up', 'toward-zero', 'away-from-zero']
  // numerator / 10: 2.5, 3.5, 2.4, 2.6 and their negatives
  const cases: Record<Rounding, number[]> = {
    'half-up': [3, 4, 2, 3, -3, -4, -2, -3],
    'half-even': [2, 4, 2, 3, -2, -4, -2, -3],
    'half-down': [2, 3, 2, 3, -2, -3, -2, -3],
    down: [2, 3, 2, 2, -3, -4, -3, -3],
    up: [3, 4, 3, 3, -2, -3, -2, -2],
    'toward-zero': [2, 3, 2, 2, -2, -3, -2, -2],
    'away-from-zero': [3, 4, 3, 3, -3, -4, -3, -3],
  }
  const numerators = [25n, 35n, 24n, 26n, -25n, -35n, -24n, -26n]
  for (const rule of rules) {
    const got = numerators.map((n) => Number(divideRounded(n, 10n, rule)))
    assert.deepEqual(got, cases[rule], rule)
    assert.deepEqual(
      numerators.map((n) => Number(divideRounded(-n, -10n, rule))),
      cases[rule],
      `${rule} with a negative denominator`,
    )
    assert.equal(divideRounded(30n, 10n, rule), 3n, `${rule}: exact quotients are not rounded`)
  }
  assert.throws(() => divideRounded(1n, 0n, 'half-up'), RangeError)
})

test('a percentage of a large amount stays exact in bigint', () => {
  // 0.95 % commission of 1 000 000 000 000.01 ₸
  assert.equal(percentOf(100_000_000_000_001n, 95n, 'half-even'), 950_000_000_000n)
  assert.equal(percentOf(100_000_000_000_001n, 95n, 'up'), 950_000_000_001n)
  // 2.5 % of 0.02 ₸ = 0.05 tiyn: banker's rounding to 0, half-up only at half
  assert.equal(percentOf(2n, 250n, 'half-even'), 0n)
  assert.equal(percentOf(20n, 250n, 'half-even'), 0n, '0.5 tiyn ties to even 0')
  assert.equal(percentOf(60n, 250n, 'half-even'), 2n, '1.5 tiyn ties to even 2')
})

test('allocation splits an amount by weights into parts that add up to it exactly', () => {
  assert.deepEqual(allocate(100n, [1n, 1n, 1n]), [34n, 33n, 33n])
  assert.deepEqual(allocate(-100n, [1n, 1n, 1n]), [-34n, -33n, -33n])
  assert.deepEqual(allocate(1_000n, [3n, 7n]), [300n, 700n])
  assert.deepEqual(allocate(5n, [1n, 2n, 2n]), [1n, 2n, 2n])
  assert.deepEqual(allocate(7n, [0n, 1n, 2n]), [0n, 2n, 5n], '2.33 and 4.67: the larger fraction gets the spare tiyn')
  for (const amount of [0n, 1n, 99n, 12_345_678n]) {
    const parts = allocate(amount, [17n, 1n, 5n, 9n])
    assert.equal(
      parts.reduce((a, b) => a + b, 0n),
      amount,
    )
  }
  assert.throws(() => allocate(1n, []), RangeError)
  assert.throws(() => allocate(1n, [0n, 0n]), RangeError)
  assert.throws(() => allocate(1n, [2n, -1n]), RangeError)
})

test('whole-tenge rounding follows the named rule: what a Kaspi terminal can be asked for', () => {
  // 14 % of 87 719 ₸ is 12 280.66 ₸: a terminal takes 12 281 (up) or 12 280 (down), never the tiyn.
  assert.equal(roundToWholeTenge(1_228_066n, 'up'), 1_228_100n)
  assert.equal(roundToWholeTenge(1_228_066n, 'down'), 1_228_000n)
  assert.equal(roundToWholeTenge(1_228_050n, 'half-even'), 1_228_000n)
  assert.equal(roundToWholeTenge(1_228_150n, 'half-even'), 1_228_200n)
  assert.equal(roundToWholeTenge(11_400_000n, 'up'), 11_400_000n, 'a whole amount stays as it is')
  assert.equal(roundToWholeTenge(-150n, 'up'), -100n)
  assert.equal(roundToWholeTenge(-150n, 'down'), -200n)
})
