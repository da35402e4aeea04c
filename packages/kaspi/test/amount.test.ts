import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  formatChequeAmount,
  methodOfProductType,
  paidAmountTiyn,
  parseChequeAmount,
  toPaymentUrl,
} from '../src/index.ts'

test('the paid amount is data.amount in tiyn when the terminal gives it', () => {
  assert.equal(paidAmountTiyn({ amount: 50500 }), 5_050_000n)
  assert.equal(paidAmountTiyn({ amount: 12280.5 }), 1_228_050n)
  // data.amount wins over the cheque: the cheque is for people.
  assert.equal(paidAmountTiyn({ amount: 100, chequeInfo: { amount: '200 ₸' } }), 10_000n)
})

test('a missing amount falls back to the formatted cheque amount, whatever space groups it', () => {
  for (const text of [
    '50 500 ₸',
    '50\u00a0500\u00a0₸',
    '50\u202f500\u202f₸',
    '50\u2009500 ₸',
    ' 50500₸ ',
    '50 500 тг',
  ]) {
    assert.equal(paidAmountTiyn({ chequeInfo: { amount: text } }), 5_050_000n, JSON.stringify(text))
  }
  assert.equal(paidAmountTiyn({ chequeInfo: { amount: '12 280,50 ₸' } }), 1_228_050n)
  assert.equal(paidAmountTiyn({ chequeInfo: { amount: '12 280.5 ₸' } }), 1_228_050n)
})

test('a missing amount is never read as 0: neither field gives undefined', () => {
  assert.equal(paidAmountTiyn({}), undefined)
  assert.equal(paidAmountTiyn({ chequeInfo: {} }), undefined)
  assert.equal(paidAmountTiyn({ amount: 0 }), undefined)
  assert.equal(paidAmountTiyn({ amount: 0, chequeInfo: { amount: '0 ₸' } }), undefined)
  // A zero or unreadable data.amount still lets the cheque speak.
  assert.equal(paidAmountTiyn({ amount: 0, chequeInfo: { amount: '1 000 ₸' } }), 100_000n)
  assert.equal(paidAmountTiyn({ amount: Number.NaN, chequeInfo: { amount: '1 000 ₸' } }), 100_000n)
})

test('text that only looks like an amount is not money', () => {
  for (const text of [
    '',
    '₸',
    'abc',
    '1 000,505 ₸',
    '-100 ₸',
    '1e5 ₸',
    '1,000,000 ₸',
    '١٠٠ ₸',
    '1'.repeat(70),
    '12..5',
  ]) {
    assert.equal(parseChequeAmount(text), undefined, JSON.stringify(text))
  }
  assert.equal(parseChequeAmount(50500), undefined)
  assert.equal(paidAmountTiyn({ amount: -5 }), undefined)
  assert.equal(paidAmountTiyn({ amount: 1.005 }), undefined)
  assert.equal(paidAmountTiyn({ amount: '50500' as unknown as number }), 5_050_000n)
})

test('the cheque format round-trips through the fallback parser', () => {
  assert.equal(formatChequeAmount(50500), '50\u202f500\u202f₸')
  for (const amount of [1, 999, 1000, 114000, 100000000]) {
    assert.equal(parseChequeAmount(formatChequeAmount(amount)), BigInt(amount) * 100n)
  }
})

test('product types map to the seed’s method codes; Loan is credit; unknown is not guessed', () => {
  assert.equal(methodOfProductType('Gold'), 'kaspi_gold')
  assert.equal(methodOfProductType('Red'), 'kaspi_red')
  assert.equal(methodOfProductType('Credit'), 'kaspi_kredit')
  assert.equal(methodOfProductType('Loan'), 'kaspi_kredit')
  assert.equal(methodOfProductType('Installment'), 'kaspi_rassrochka')
  for (const other of ['gold', 'Platinum', '', undefined, null, 42, 'toString', '__proto__']) {
    assert.equal(methodOfProductType(other), undefined, String(other))
  }
})

test('the QR link becomes the pay.kaspi.kz link; anything else is left as it is', () => {
  assert.equal(toPaymentUrl('https://qr.kaspi.kz/p/abc-123'), 'https://pay.kaspi.kz/pay/p/abc-123')
  assert.equal(toPaymentUrl('https://qr.kaspi.kz/abc?x=1'), 'https://pay.kaspi.kz/pay/abc?x=1')
  assert.equal(toPaymentUrl('https://qr.kaspi.kz.evil.example/abc'), 'https://qr.kaspi.kz.evil.example/abc')
  assert.equal(toPaymentUrl('https://example.com/qr.kaspi.kz/abc'), 'https://example.com/qr.kaspi.kz/abc')
  assert.equal(toPaymentUrl('not a url'), 'not a url')
})
