import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { AppError, createHttpTarget, type HttpCall, type HttpTarget, type HttpTargetOptions } from '@kokdala/core'
import { buildPaymentGatewayApp, TEST_CARDS } from '@kokdala/payment-gateway'
import { requestToken } from '@kokdala/toleubar'
import { dailyLimitReached } from '../src/modules/payments/toleubar/client.ts'
import { createToleubarGateway } from '../src/modules/payments/toleubar/gateway.ts'

const TEAM = { teamSlug: 'kokdala', password: 'test-password' }
// The gateway's paymentURL base is its own setting, distinct from the API address the client calls.
const FORM_BASE = 'http://gateway.test'

/** An AppError with this code (and, when given, these details), for `assert.rejects`. */
function appError(code: string, details?: Record<string, unknown>) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, String(error))
    assert.equal(error.code, code, error.message)
    if (details) assert.deepEqual({ ...(error.details as object), ...details }, error.details)
    return true
  }
}

/** GATEWAY_UNAVAILABLE whose reason matches, for `assert.rejects`. */
function unavailable(reason: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError && error.code === 'GATEWAY_UNAVAILABLE', String(error))
    assert.match(String((error.details as { reason?: unknown }).reason), reason)
    return true
  }
}

describe('the ТөлеуБар adapter against the gateway simulator over HTTP', () => {
  let sim: Awaited<ReturnType<typeof buildPaymentGatewayApp>>
  let base: string
  const targets: HttpTarget[] = []
  let orders = 0

  before(async () => {
    sim = await buildPaymentGatewayApp({ teams: [TEAM], publicUrl: FORM_BASE, processingDelayMs: [0, 0] })
    await sim.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  })
  after(async () => {
    await Promise.all(targets.map((target) => target.close()))
    await sim?.close()
  })

  /** The adapter over a fresh target; `calls` records every request it sends, in order. */
  function gateway(target: Partial<HttpTargetOptions> = {}) {
    const http = createHttpTarget({ name: 'toleubar', baseUrl: base, retryDelayMs: 1, ...target })
    targets.push(http)
    const calls: { operation: string; request: HttpCall }[] = []
    const recorded: HttpTarget = {
      ...http,
      call(operation, request) {
        calls.push({ operation, request })
        return http.call(operation, request)
      },
    }
    const adapter = createToleubarGateway({ http: recorded, ...TEAM, paymentFormBaseUrl: FORM_BASE })
    return { adapter, http, calls }
  }

  function input(overrides: { amount?: bigint; orderId?: string } = {}) {
    orders++
    return {
      orderId: `t${orders}-${Date.now()}`,
      amount: 4_000_000n,
      description: `Biletter booking ${orders}`,
      successUrl: `https://tickets.test/api/payments/success?orderId=${orders}`,
      failUrl: `https://tickets.test/api/payments/fail?orderId=${orders}`,
      expiresInMinutes: 15,
      ...overrides,
    }
  }

  /** The buyer's browser posting the hosted form; the gateway answers with a redirect to our success/fail URL. */
  async function pay(paymentId: string, cardNumber: string) {
    const form = new URLSearchParams({ PaymentId: paymentId, CardNumber: cardNumber, ExpiryDate: '12/39', Cvv: '123' })
    const response = await fetch(`${base}/api/v1/paymentform/submit`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    await response.body?.cancel()
    assert.equal(response.status, 302)
    return response.headers.get('location')
  }

  async function faults(body: Record<string, unknown>) {
    const response = await fetch(`${base}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    assert.equal(response.status, 200)
  }

  test('createPayment is accepted with the computed token and returns the gateway payment and its form URL', async () => {
    const { adapter, calls } = gateway()
    const created = await adapter.createPayment(input())
    assert.match(created.paymentId, /^\d{14}$/)
    assert.equal(created.paymentUrl, `${FORM_BASE}/api/v1/paymentform/render/${created.paymentId}`)
    assert.equal(await adapter.status(created.paymentId), 'PENDING')
    const [init] = calls
    assert.equal(init.request.path, '/api/v1/PaymentInit/init')
    assert.notEqual(init.request.idempotent, true, 'a transport retry of init would be a second payment attempt')
    assert.deepEqual(
      { ...(init.request.json as object), token: undefined },
      {
        teamSlug: TEAM.teamSlug,
        amount: 4_000_000,
        orderId: (init.request.json as { orderId: string }).orderId,
        currency: 'KZT',
        description: `Biletter booking ${orders}`,
        successURL: `https://tickets.test/api/payments/success?orderId=${orders}`,
        failURL: `https://tickets.test/api/payments/fail?orderId=${orders}`,
        paymentExpiry: 15,
        language: 'ru',
        token: undefined,
      },
    )
  })

  test('a repeated createPayment (duplicate orderId, 409 1002) returns the same payment found by orderId', async () => {
    const { adapter, calls } = gateway()
    const order = input()
    const first = await adapter.createPayment(order)
    const again = await adapter.createPayment(order)
    assert.deepEqual(again, first)
    assert.deepEqual(
      calls.map((call) => call.operation),
      ['init', 'init', 'check'],
    )
    assert.equal((calls[2].request.json as { orderId?: string }).orderId, order.orderId)
  })

  test('a repeated createPayment with another amount is a conflict, never a form for the wrong sum', async () => {
    const { adapter } = gateway()
    const order = input()
    await adapter.createPayment(order)
    await assert.rejects(adapter.createPayment({ ...order, amount: 5_000_000n }), appError('CONFLICT'))
  })

  test('card 4111… authorises; capture makes it PAID, a second capture is a no-op; refund makes it REFUNDED', async () => {
    const { adapter, calls } = gateway()
    const order = input()
    const { paymentId } = await adapter.createPayment(order)
    assert.equal(await pay(paymentId, TEST_CARDS.approved), order.successUrl)
    assert.equal(await adapter.status(paymentId), 'AUTHORIZED')

    await adapter.capture(paymentId, order.amount)
    assert.equal(await adapter.status(paymentId), 'PAID')
    await adapter.capture(paymentId, order.amount)
    assert.equal(await adapter.status(paymentId), 'PAID')
    const confirm = calls.find((call) => call.operation === 'confirm')?.request
    assert.equal(confirm?.idempotent, true)
    const json = confirm?.json as Record<string, unknown>
    assert.deepEqual(json, {
      teamSlug: TEAM.teamSlug,
      paymentId,
      amount: 4_000_000,
      // Amount + Password + PaymentId + TeamSlug: the generic rule, since an Amount is present.
      token: requestToken({ teamSlug: TEAM.teamSlug, paymentId, amount: 4_000_000 }, TEAM.password),
    })

    await assert.rejects(adapter.cancel(paymentId), appError('CONFLICT'), 'captured money is never voided')
    assert.equal(await adapter.status(paymentId), 'PAID')

    await adapter.refund(paymentId)
    assert.equal(await adapter.status(paymentId), 'REFUNDED')
    await adapter.refund(paymentId)
    await adapter.cancel(paymentId)
    assert.equal(await adapter.status(paymentId), 'REFUNDED')
  })

  test('card 4000…0002 is declined: FAILED, which cannot be captured and needs no void', async () => {
    const { adapter } = gateway()
    const order = input()
    const { paymentId } = await adapter.createPayment(order)
    assert.equal(await pay(paymentId, TEST_CARDS.declined), order.failUrl)
    assert.equal(await adapter.status(paymentId), 'FAILED')
    await assert.rejects(adapter.capture(paymentId, order.amount), appError('PAYMENT_REJECTED', { status: 'FAILED' }))
    await adapter.cancel(paymentId)
    await assert.rejects(adapter.refund(paymentId), appError('CONFLICT'))
  })

  test('cancel voids a NEW payment and an AUTHORIZED one; repeating it is a no-op', async () => {
    const { adapter } = gateway()
    const fresh = await adapter.createPayment(input())
    await adapter.cancel(fresh.paymentId)
    assert.equal(await adapter.status(fresh.paymentId), 'CANCELLED')
    await adapter.cancel(fresh.paymentId)

    const held = await adapter.createPayment(input())
    await pay(held.paymentId, TEST_CARDS.approved)
    await adapter.cancel(held.paymentId)
    assert.equal(await adapter.status(held.paymentId), 'CANCELLED')
  })

  test('an amount over the gateway cap of 50 000 000 tiyn is PAYMENT_REJECTED with the gateway code and reason', async () => {
    const { adapter } = gateway()
    await assert.rejects(adapter.createPayment(input({ amount: 50_000_001n })), (error) => {
      assert.ok(error instanceof AppError)
      assert.equal(error.code, 'PAYMENT_REJECTED')
      assert.deepEqual(error.details, { gatewayCode: '1100' })
      assert.match(error.message, /at most 50000000/)
      return true
    })
  })

  test('the team’s daily limit (429 3015) is GATEWAY_DAILY_LIMIT, not an outage to retry', async () => {
    const limited = await buildPaymentGatewayApp({
      teams: [TEAM],
      publicUrl: FORM_BASE,
      processingDelayMs: [0, 0],
      dailyLimit: 5_000_000,
    })
    await limited.listen({ port: 0, host: '127.0.0.1' })
    try {
      const http = createHttpTarget({
        name: 'toleubar',
        baseUrl: `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}`,
      })
      targets.push(http)
      const adapter = createToleubarGateway({ http, ...TEAM, paymentFormBaseUrl: FORM_BASE })
      await adapter.createPayment(input())
      await assert.rejects(adapter.createPayment(input()), appError('GATEWAY_DAILY_LIMIT', { gatewayCode: '3015' }))
      assert.deepEqual(http.stats().init, { '200': 1, '429': 1 }, 'asked once: nothing to retry before 00:00 UTC')
      assert.equal(http.breakerState(), 'closed', 'a refusal is not a failure of the gateway')
    } finally {
      await limited.close()
    }
  })

  test('the deployed gateway’s business-rule answer for the daily limit (422 1422 daily_amount) counts as the limit', () => {
    const reply = (body: Record<string, unknown>) => ({ status: 422, body })
    assert.ok(
      dailyLimitReached(
        reply({
          Success: false,
          ErrorCode: '1422',
          Message: 'Business rule violation',
          Details: 'daily_amount: Team daily limit of ¤5,000,000,000.00 would be exceeded',
        }),
      ),
    )
    assert.ok(dailyLimitReached({ status: 429, body: { errorCode: '3015' } }))
    assert.ok(!dailyLimitReached(reply({ errorCode: '1422', details: 'amount: Amount too large' })))
    assert.ok(!dailyLimitReached({ status: 429, body: { errorCode: '1429' } }), 'the rate limit is another matter')
  })

  test('an unknown payment id is PAYMENT_NOT_FOUND', async () => {
    const { adapter } = gateway()
    await assert.rejects(adapter.status('17000000000000'), appError('PAYMENT_NOT_FOUND'))
  })

  test('a gateway outage is GATEWAY_UNAVAILABLE; once the breaker opens, calls fail without reaching it', async (t) => {
    const { adapter, http } = gateway({ retries: 0, breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } })
    const { paymentId } = await adapter.createPayment(input())
    await faults({ outage: true })
    t.after(() => faults({ outage: false }))

    await assert.rejects(adapter.createPayment(input()), unavailable(/init: HTTP 503/))
    await assert.rejects(adapter.status(paymentId), unavailable(/HTTP 503/))
    await assert.rejects(adapter.status(paymentId), unavailable(/circuit-open/))
    assert.deepEqual(http.stats().check, { '503': 1, 'circuit-open': 1 })
  })

  test('a gateway slower than the timeout is GATEWAY_UNAVAILABLE, and status reads are retried', async (t) => {
    const { adapter, http } = gateway({ timeoutMs: 50, retries: 1 })
    const { paymentId } = await adapter.createPayment(input())
    await faults({ latencyMs: 200 })
    t.after(() => faults({ latencyMs: 0 }))
    await assert.rejects(adapter.status(paymentId), unavailable(/timeout/))
    assert.equal(http.stats().check.timeout, 2)
  })
})
