import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { paymentInitToken, requestToken, tokenSource } from '../src/token.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

test('test vector 1 from the research: Amount + Currency + OrderId + Password + TeamSlug', () => {
  const request = { teamSlug: 'MerchantTeamSlug', amount: 19200, orderId: '21090', currency: 'RUB' }
  assert.equal(tokenSource(request, 'usaf8fw8fsw21g'), '19200RUB21090usaf8fw8fsw21gMerchantTeamSlug')
  assert.equal(
    paymentInitToken(request, 'usaf8fw8fsw21g'),
    '2fb33301d9899f61eec1692ff84694cf82de5b194c9e678ee4a7d397c9e8d7fb',
  )
})

test('test vector 2: the default currency KZT is hashed even when the request omits it', () => {
  const expected = '28fea9e054cd09a81da5cec5d97ed9a1b2912697d3e7403dd4c3e2ea6f8392c4'
  assert.equal(paymentInitToken({ teamSlug: 'alem', amount: 4000000, orderId: '1001' }, 'Passw0rd'), expected)
  assert.equal(
    requestToken({ teamSlug: 'alem', amount: 4000000, orderId: '1001', currency: 'KZT' }, 'Passw0rd'),
    expected,
  )
  assert.equal(expected, sha256('4000000KZT1001Passw0rdalem'))
})

test('PaymentId + TeamSlug without Amount use the special order PaymentId + Password + TeamSlug', () => {
  assert.equal(tokenSource({ teamSlug: 'alem', paymentId: '17554123451234' }, 'pw'), '17554123451234pwalem')
  // OrderId present too: still the special order, OrderId is dropped.
  assert.equal(tokenSource({ teamSlug: 'alem', paymentId: '1', orderId: 'o' }, 'pw'), '1pwalem')
})

test('with an Amount the keys are sorted ordinally, Password before PaymentId', () => {
  assert.equal(tokenSource({ teamSlug: 'T', paymentId: 'P', amount: 5000 }, 'pw'), '5000pwPT')
})

test('check by orderId only follows the generic rule OrderId + Password + TeamSlug', () => {
  assert.equal(tokenSource({ teamSlug: 'alem', orderId: '1001' }, 'pw'), '1001pwalem')
})

test('non-token fields, nulls and the token itself are ignored; keys match case-insensitively', () => {
  const request = {
    TeamSlug: 'alem',
    AMOUNT: 1000,
    orderid: 'x',
    description: 'ignored',
    successURL: 'https://a',
    currency: null,
    token: 'abc',
  }
  assert.equal(tokenSource(request, 'pw'), '1000xpwalem')
})
