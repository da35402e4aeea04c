import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { tenge } from '@kokdala/core'
import { captureValue, chargeFor, grossOf, toleranceOf, withinTolerance } from '../src/modules/payments/fees.ts'
import { type LedgerEntry, remainingNet, totalsOf } from '../src/modules/payments/ledger.ts'
import { ratio, toTiyn } from '../src/modules/payments/ratio.ts'
import { paymentStates } from '../src/modules/payments/state.ts'

const GOLD = 0
const CREDIT = 1400

/** A capture row as the service writes it: value in the chosen method's money. */
function capture(id: number, grossTenge: number, usedBp: number, chosenBp: number): LedgerEntry {
  const gross = tenge(grossTenge)
  return {
    id,
    kind: 'capture',
    attemptId: id,
    methodId: null,
    grossTiyn: gross,
    valueTiyn: captureValue(gross, usedBp, chosenBp),
    basisBp: chosenBp,
    refersTo: null,
  }
}

/** What is left to pay, shown in the money of the method with rate `bp`, rounded up to the tiyn. */
const shownRemaining = (amountTenge: number, entries: LedgerEntry[], bp: number) =>
  toTiyn(grossOf(remainingNet(tenge(amountTenge), totalsOf(entries)), bp), 'up')

describe('the fee model: markup on net, terminal charges in whole tenge rounded up', () => {
  test('the seed’s commission examples: 50 000 by credit or installment is 57 000, by Gold or Red 50 000', () => {
    assert.equal(chargeFor(ratio(tenge(50_000)), CREDIT), tenge(57_000))
    assert.equal(chargeFor(ratio(tenge(50_000)), GOLD), tenge(50_000))
    assert.equal(chargeFor(ratio(tenge(100_000)), CREDIT), tenge(114_000))
  })

  test('a charge with tiyn in it is rounded up to whole tenge (never a tenge short, unlike 113 999.999…)', () => {
    // 12 281 ₸ by credit is 14 000.34 ₸: the terminal is asked for 14 001.
    assert.equal(chargeFor(ratio(tenge(12_281)), CREDIT), tenge(14_001))
    assert.equal(chargeFor(ratio(1_228_050n), GOLD), tenge(12_281))
  })

  test('scenario 1: 50 000 by Gold with Gold chosen is paid, nothing remains', () => {
    const entries = [capture(1, 50_000, GOLD, GOLD)]
    assert.equal(shownRemaining(50_000, entries, GOLD), 0n)
    assert.equal(toTiyn(totalsOf(entries).paidNet, 'down'), tenge(50_000))
  })

  test('scenario 2: 114 000 by credit with credit chosen nets exactly 100 000', () => {
    const entries = [capture(1, 114_000, CREDIT, CREDIT)]
    assert.equal(toTiyn(totalsOf(entries).paidNet, 'down'), tenge(100_000))
    assert.equal(shownRemaining(100_000, entries, CREDIT), 0n)
  })

  test('scenario 3: Gold chosen, 100 000 paid by credit counts 87 719; 12 281 remain; the top-up pays it', () => {
    const entries = [capture(1, 100_000, CREDIT, GOLD)]
    assert.equal(entries[0].valueTiyn, tenge(87_719))
    assert.equal(shownRemaining(100_000, entries, GOLD), tenge(12_281))
    assert.equal(chargeFor(remainingNet(tenge(100_000), totalsOf(entries)), GOLD), tenge(12_281))
    entries.push(capture(2, 12_281, GOLD, GOLD))
    assert.equal(shownRemaining(100_000, entries, GOLD), 0n)
    assert.equal(toTiyn(totalsOf(entries).paidNet, 'down'), tenge(100_000))
  })

  test('scenario 4: credit chosen (114 000), 100 000 paid by Gold counts at face value; 14 000 remain', () => {
    const entries = [capture(1, 100_000, GOLD, CREDIT)]
    assert.equal(entries[0].valueTiyn, tenge(100_000))
    assert.equal(shownRemaining(100_000, entries, CREDIT), tenge(14_000))
    // Option A of the seed: the customer pays the 14 000 by credit, and that is exactly what is asked.
    assert.equal(chargeFor(remainingNet(tenge(100_000), totalsOf(entries)), CREDIT), tenge(14_000))
    entries.push(capture(2, 14_000, CREDIT, CREDIT))
    assert.equal(shownRemaining(100_000, entries, CREDIT), 0n)
  })

  test('the seed’s tolerance examples: 10 000 → 500, 100 000 → 500, 200 000 → 1 000', () => {
    assert.equal(toleranceOf(tenge(10_000)), tenge(500))
    assert.equal(toleranceOf(tenge(100_000)), tenge(500))
    assert.equal(toleranceOf(tenge(200_000)), tenge(1_000))
    // 0.5 % of 87 719 ₸ is 438.595 ₸: below 500, so 500.
    assert.equal(toleranceOf(tenge(87_719)), tenge(500))
    // 0.5 % of 300 000.01 ₸ is 1 500.00005 ₸: rounded down to the tiyn.
    assert.equal(toleranceOf(30_000_001n), 150_000n)
    assert.equal(withinTolerance(ratio(tenge(500)), tenge(100_000)), true)
    assert.equal(withinTolerance(ratio(tenge(500) + 1n), tenge(100_000)), false)
  })
})

describe('the payment state machine', () => {
  test('a payment holding money cannot be cancelled or expired, only refunded', () => {
    for (const from of ['paid', 'partially_paid', 'partially_refunded'] as const) {
      assert.equal(paymentStates.next(from, 'cancel'), undefined)
      assert.equal(paymentStates.next(from, 'expire'), undefined)
    }
    assert.equal(paymentStates.next('paid', 'refund_partial'), 'partially_refunded')
  })

  test('money taken after a cancel or an expiry is still recorded', () => {
    assert.equal(paymentStates.next('cancelled', 'capture_full'), 'paid')
    assert.equal(paymentStates.next('expired', 'capture_partial'), 'partially_paid')
  })

  test('every event leads to one status', () => {
    for (const event of ['start', 'capture_full', 'capture_partial', 'fail', 'resume', 'cancel', 'expire'] as const) {
      assert.ok(paymentStates.target(event))
    }
  })
})
