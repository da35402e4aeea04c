import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tenge } from '@kokdala/core'
import { chargeFor, showTenge } from '../src/modules/page/money.ts'

describe('the payment page’s amounts', () => {
  it('shows tenge as people read them: no tiyn when there are none', () => {
    assert.equal(showTenge(tenge(50_000), 'ru'), '50\u00a0000\u00a0₸')
    assert.equal(showTenge(tenge(50_000), 'en'), '50,000\u00a0₸')
    assert.equal(showTenge(1_228_050n, 'ru'), '12\u00a0280,50\u00a0₸')
    assert.equal(showTenge(1_228_050n, 'en'), '12,280.50\u00a0₸')
    assert.equal(showTenge(0n, 'ru'), '0\u00a0₸')
  })

  it('prices a method as the payments module charges it: markup on net, rounded up to whole tenge', () => {
    // The seed: 50 000 by credit is 57 000; 100 000 by credit is 114 000; Gold adds nothing.
    assert.equal(chargeFor(tenge(50_000), 0, 1400), tenge(57_000))
    assert.equal(chargeFor(tenge(100_000), 0, 1400), tenge(114_000))
    assert.equal(chargeFor(tenge(100_000), 0, 0), tenge(100_000))
    // Scenario 3's rest, 12 281 by credit: 14 000.34, so 14 001.
    assert.equal(chargeFor(tenge(12_281), 0, 1400), tenge(14_001))
    // Scenario 4's rest, 14 000 in credit money: 12 280.70 net, 12 281 by Gold, 14 000 again by credit.
    assert.equal(chargeFor(tenge(14_000), 1400, 0), tenge(12_281))
    assert.equal(chargeFor(tenge(14_000), 1400, 1400), tenge(14_000))
    // Tiyn are rounded up to the whole tenge a terminal takes; nothing left is nothing to charge.
    assert.equal(chargeFor(1_228_050n, 0, 0), tenge(12_281))
    assert.equal(chargeFor(0n, 0, 1400), 0n)
  })
})
