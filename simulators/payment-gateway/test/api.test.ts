import assert from 'node:assert/strict'
import { test } from 'node:test'
import { paymentInitToken, requestToken } from '@kokdala/toleubar'
import { checkStatus, initPayment, START, signed, startGateway, submitCard, TEAM } from './helpers.ts'

test('init answers NEW with a numeric paymentId made of unix seconds and 4 digits, and a render paymentURL', async () => {
  const { app } = await startGateway()
  const response = await initPayment(app, { orderId: '1001' })
  assert.equal(response.statusCode, 200)
  const body = response.json()
  assert.equal(body.success, true)
  assert.equal(body.status, 'NEW')
  assert.equal(body.currency, 'KZT')
  assert.equal(body.amount, 4000000)
  assert.match(body.paymentId, new RegExp(`^${Math.floor(START / 1000)}\\d{4}$`))
  assert.equal(body.paymentURL, `http://gateway.test/api/v1/paymentform/render/${body.paymentId}`)
  assert.equal(body.expiresAt, new Date(START + 30 * 60_000).toISOString())
})

test('init with a wrong token or an unknown team is 401 1001 in the camelCase error envelope', async () => {
  const { app } = await startGateway()
  const payload = { teamSlug: TEAM.teamSlug, amount: 5000, orderId: 'x1', token: 'deadbeef' }
  const response = await app.inject({ method: 'POST', url: '/api/v1/PaymentInit/init', payload })
  assert.equal(response.statusCode, 401)
  const body = response.json()
  assert.equal(body.success, false)
  assert.equal(body.errorCode, '1001')
  assert.ok('message' in body && 'details' in body)
  const unknown = await initPayment(app, {}, { teamSlug: 'nobody', password: 'x' })
  assert.equal(unknown.statusCode, 401)
})

test('a token computed without the default currency is rejected: KZT counts in the hash', async () => {
  const { app } = await startGateway()
  const fields = { teamSlug: TEAM.teamSlug, amount: 5000, orderId: 'cur-1' }
  const withoutCurrency = requestToken(fields, TEAM.password)
  const bad = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentInit/init',
    payload: { ...fields, token: withoutCurrency },
  })
  assert.equal(bad.statusCode, 401)
  const token = paymentInitToken(fields, TEAM.password)
  const good = await app.inject({ method: 'POST', url: '/api/v1/PaymentInit/init', payload: { ...fields, token } })
  assert.equal(good.statusCode, 200)
})

test('an orderId is unique per team for ever: a repeat is 409 1002 even after the first payment ended', async () => {
  const { app } = await startGateway()
  const first = await initPayment(app, { orderId: 'dup-1' })
  assert.equal(first.statusCode, 200)
  const cancel = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: signed({ paymentId: first.json().paymentId }),
  })
  assert.equal(cancel.json().status, 'CANCELLED')
  const again = await initPayment(app, { orderId: 'dup-1', amount: 9999 })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().errorCode, '1002')
})

test('amount must be an integer within 1000..50 000 000 and orderId must match the allowed pattern', async () => {
  const { app } = await startGateway()
  for (const fields of [{ amount: 999 }, { amount: 50_000_001 }, { amount: 1500.5 }, { orderId: 'bad id!' }]) {
    const response = await initPayment(app, fields)
    assert.equal(response.statusCode, 400, JSON.stringify(fields))
    assert.equal(response.json().errorCode, '1100')
  }
  assert.equal((await initPayment(app, { orderId: 'x'.repeat(37) })).statusCode, 400)
  assert.equal((await initPayment(app, { currency: 'GBP' })).statusCode, 400)
  assert.equal((await initPayment(app, { amount: 1000 })).statusCode, 200)
  assert.equal((await initPayment(app, { amount: 50_000_000 })).statusCode, 200)
})

test('happy path: render → card 4111… → 302 to the exact successURL → AUTHORIZED → confirm → cancel = REFUNDED', async () => {
  const { app } = await startGateway()
  const successURL = 'https://tickets.test/api/payments/success?orderId=42'
  const init = await initPayment(app, { orderId: '42', successURL, failURL: 'https://tickets.test/fail?orderId=42' })
  const { paymentId, paymentURL } = init.json()

  const form = await app.inject({ url: new URL(paymentURL).pathname })
  assert.equal(form.statusCode, 200)
  assert.match(form.headers['content-type'] as string, /text\/html/)
  assert.match(form.body, /Оплата заказа/)
  assert.match(form.body, /40000\.00 KZT/)
  assert.equal(await checkStatus(app, paymentId), 'FORM_SHOWED')
  const english = await app.inject({ url: `/api/v1/PaymentForm/render/${paymentId}?lang=en` })
  assert.match(english.body, /Order payment/)

  const submit = await submitCard(app, paymentId, '4111 1111 1111 1111')
  assert.equal(submit.statusCode, 302)
  assert.equal(submit.headers.location, successURL)
  assert.equal(await checkStatus(app, paymentId), 'AUTHORIZED')

  const confirm = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: 'anything-non-empty', paymentId },
  })
  assert.equal(confirm.statusCode, 200)
  assert.equal(confirm.json().status, 'CONFIRMED')
  assert.equal(confirm.json().confirmedAmount, 4000000)
  assert.equal(await checkStatus(app, paymentId), 'CONFIRMED')

  const cancel = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: signed({ paymentId }),
  })
  assert.equal(cancel.statusCode, 200)
  assert.equal(cancel.json().status, 'REFUNDED')
  assert.equal(cancel.json().cancellationType, 'FULL_REFUND')
  assert.equal(await checkStatus(app, paymentId), 'REFUNDED')
})

test('check finds a payment by orderId (POST and GET status) and answers 404 1404 for unknown ones', async () => {
  const { app } = await startGateway()
  const { paymentId } = (await initPayment(app, { orderId: 'find-me' })).json()
  const byOrder = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCheck/check',
    payload: signed({ orderId: 'find-me' }),
  })
  assert.equal(byOrder.statusCode, 200)
  assert.equal(byOrder.json().totalCount, 1)
  assert.equal(byOrder.json().payments[0].paymentId, paymentId)
  const query = new URLSearchParams(signed({ paymentId }) as Record<string, string>)
  const status = await app.inject({ url: `/api/v1/PaymentCheck/status?${query}` })
  assert.equal(status.statusCode, 200)
  assert.equal(status.json().payments[0].status, 'NEW')
  const missing = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCheck/check',
    payload: signed({ paymentId: '1' }),
  })
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().errorCode, '1404')
  const badToken = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCheck/check',
    payload: { ...signed({ paymentId }), token: 'x' },
  })
  assert.equal(badToken.statusCode, 401)
})

test('declined card 4000…0002 → REJECTED and 302 to failURL; insufficient funds card is rejected too', async () => {
  const { app } = await startGateway()
  const failURL = 'https://tickets.test/api/payments/fail?orderId=7'
  const { paymentId } = (await initPayment(app, { successURL: 'https://tickets.test/ok', failURL })).json()
  await app.inject({ url: `/api/v1/paymentform/render/${paymentId}` })
  const submit = await submitCard(app, paymentId, '4000000000000002')
  assert.equal(submit.statusCode, 302)
  assert.equal(submit.headers.location, failURL)
  assert.equal(await checkStatus(app, paymentId), 'REJECTED')
  // The form refuses a rejected payment.
  assert.equal((await submitCard(app, paymentId, '4111111111111111')).statusCode, 409)

  const second = (await initPayment(app)).json().paymentId
  const noFunds = await submitCard(app, second, '4000000000000119')
  assert.equal(noFunds.headers.location, `/api/v1/paymentform/result/${second}`)
  assert.equal(await checkStatus(app, second), 'REJECTED')
  const result = await app.inject({ url: noFunds.headers.location as string })
  assert.match(result.body, /REJECTED/)
})

test('other Luhn-valid cards are approved 90 % of the time by the random source', async () => {
  let roll = 0.95
  const { app } = await startGateway({ random: () => roll })
  const declined = (await initPayment(app)).json().paymentId
  await submitCard(app, declined, '5555555555554444')
  assert.equal(await checkStatus(app, declined), 'REJECTED')
  roll = 0.1
  const approved = (await initPayment(app)).json().paymentId
  await submitCard(app, approved, '5555555555554444')
  assert.equal(await checkStatus(app, approved), 'AUTHORIZED')
})

test('an invalid card number or expiry re-renders the form with an error (400) and keeps the payment payable', async () => {
  const { app } = await startGateway()
  const { paymentId } = (await initPayment(app)).json()
  const badNumber = await submitCard(app, paymentId, '4111111111111112')
  assert.equal(badNumber.statusCode, 400)
  assert.match(badNumber.body, /Неверный номер карты/)
  assert.doesNotMatch(badNumber.body, /4111111111111112/)
  const badExpiry = await submitCard(app, paymentId, '4111111111111111', '13/30')
  assert.equal(badExpiry.statusCode, 400)
  const expiredCard = await submitCard(app, paymentId, '4111111111111111', '01/20')
  assert.equal(expiredCard.statusCode, 400)
  assert.equal(await checkStatus(app, paymentId), 'FORM_SHOWED')
  assert.equal((await submitCard(app, paymentId, '4111111111111111')).statusCode, 302)
})

test('confirm twice is 409 2409; confirm of an unpaid payment is 409; unknown payment 404 2404; empty token 401', async () => {
  const { app } = await startGateway()
  const { paymentId } = (await initPayment(app)).json()
  const confirm = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/PaymentConfirm/confirm',
      payload: { teamSlug: TEAM.teamSlug, token: 't', paymentId },
    })
  const early = await confirm()
  assert.equal(early.statusCode, 409)
  assert.equal(early.json().errorCode, '2409')
  await submitCard(app, paymentId, '4111111111111111')
  assert.equal((await confirm()).statusCode, 200)
  const twice = await confirm()
  assert.equal(twice.statusCode, 409)
  assert.equal(twice.json().errorCode, '2409')
  assert.equal(twice.json().message, 'Payment already confirmed')
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: 't', paymentId: '123' },
  })
  assert.equal(unknown.statusCode, 404)
  assert.equal(unknown.json().errorCode, '2404')
  const empty = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentConfirm/confirm',
    payload: { teamSlug: TEAM.teamSlug, token: ' ', paymentId },
  })
  assert.equal(empty.statusCode, 401)
})

test('cancel verifies the PaymentId + Password + TeamSlug token, reverses AUTHORIZED and refuses a second cancel', async () => {
  const { app } = await startGateway()
  const { paymentId } = (await initPayment(app)).json()
  const bad = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: { ...signed({ paymentId }), token: 'nope' },
  })
  assert.equal(bad.statusCode, 401)
  assert.equal(bad.json().errorCode, '3001')
  await submitCard(app, paymentId, '4111111111111111')
  const cancel = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: signed({ paymentId }),
  })
  assert.equal(cancel.json().status, 'CANCELLED')
  assert.equal(cancel.json().cancellationType, 'FULL_REVERSAL')
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCancel/cancel',
    payload: signed({ paymentId }),
  })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().errorCode, '3409')
})

test('a payment not paid before expiresAt becomes EXPIRED on access and the form refuses it', async () => {
  const { app, time } = await startGateway()
  const { paymentId } = (await initPayment(app, { paymentExpiry: 5 })).json()
  await app.inject({ url: `/api/v1/paymentform/render/${paymentId}` })
  time.now = START + 5 * 60_000
  assert.equal(await checkStatus(app, paymentId), 'EXPIRED')
  const form = await app.inject({ url: `/api/v1/paymentform/render/${paymentId}` })
  assert.equal(form.statusCode, 410)
  assert.match(form.body, /Срок оплаты истёк/)
  assert.equal((await submitCard(app, paymentId, '4111111111111111')).statusCode, 410)
})

test('fault switch: outage answers 503 on the API but not on /__sim, errorRate 1 answers 500, then recovery', async () => {
  const { app } = await startGateway()
  assert.equal((await app.inject({ url: '/__sim/health' })).statusCode, 200)
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: true } })
  const down = await initPayment(app)
  assert.equal(down.statusCode, 503)
  assert.equal(down.json().success, false)
  assert.equal((await app.inject({ url: '/__sim/health' })).statusCode, 200)
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { outage: false, errorRate: 1 } })
  assert.equal((await initPayment(app)).statusCode, 500)
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { errorRate: 0, latencyMs: 20 } })
  const started = Date.now()
  assert.equal((await initPayment(app)).statusCode, 200)
  assert.ok(Date.now() - started >= 15)
  const invalid = await app.inject({ method: 'POST', url: '/__sim/faults', payload: { errorRate: 2 } })
  assert.equal(invalid.statusCode, 400)
})
