import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { AppError } from '@kokdala/core'
import { defineContract } from '@kokdala/sim-kit/contract'
import type { CreatePaymentInput, GatewayPaymentStatus, PaymentGateway } from '../src/modules/payments/gateway.ts'

/** A `PaymentGateway` and what drives it from the outside in a contract run. */
export interface GatewaySubject {
  gateway: PaymentGateway
  /** The buyer approves (pays) or is declined on the gateway's own page. */
  buyer(payment: { paymentId: string; paymentUrl: string }, decision: 'approve' | 'decline'): Promise<void>
  /** The amounts, in tiyn, the gateway takes per payment, when it has bounds. */
  limits?: { min: bigint; max: bigint }
  /** Takes the gateway down (every call 5xx) or brings it back, when it can be faulted. */
  outage?(on: boolean): void
  close?(): Promise<unknown>
}

/** An AppError with one of `codes`, for `assert.rejects`. */
function appError(...codes: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, String(error))
    assert.ok(codes.includes(error.code), `${error.code} is not one of ${codes.join(', ')}: ${error.message}`)
    return true
  }
}

function input(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  const orderId = `c${randomUUID().replaceAll('-', '').slice(0, 20)}`
  return {
    orderId,
    amount: 4_000_000n,
    description: `Contract order ${orderId}`,
    successUrl: `https://tickets.test/api/payments/success?orderId=${orderId}`,
    failUrl: `https://tickets.test/api/payments/fail?orderId=${orderId}`,
    expiresInMinutes: 15,
    ...overrides,
  }
}

async function created(subject: GatewaySubject) {
  return subject.gateway.createPayment(input())
}

/** A payment the buyer paid and we captured: PAID. */
async function captured(subject: GatewaySubject) {
  const payment = await created(subject)
  await subject.buyer(payment, 'approve')
  await subject.gateway.capture(payment.paymentId, 4_000_000n)
  assert.equal(await subject.gateway.status(payment.paymentId), 'PAID')
  return payment
}

/** Money held or taken: a gateway that settles at once reports PAID, one that authorises first AUTHORIZED. */
const PAID_BY_BUYER: readonly GatewayPaymentStatus[] = ['AUTHORIZED', 'PAID']

/**
 * The `PaymentGateway` contract (services/tickets/src/modules/payments/gateway.ts): init, status, pay, capture,
 * cancel, refund, idempotent repeats, errors and limits, one matrix for every implementation.
 */
export const gatewayContract = defineContract<GatewaySubject>('PaymentGateway contract', [
  {
    name: 'createPayment returns the payment and the page to pay it on; it is PENDING until the buyer acts',
    async run(subject) {
      const payment = await created(subject)
      assert.ok(payment.paymentId.length > 0)
      assert.doesNotThrow(() => new URL(payment.paymentUrl))
      assert.equal(await subject.gateway.status(payment.paymentId), 'PENDING')
    },
  },
  {
    name: 'createPayment repeated with the same orderId returns the same payment',
    async run(subject) {
      const request = input()
      const first = await subject.gateway.createPayment(request)
      const again = await subject.gateway.createPayment(request)
      assert.equal(again.paymentId, first.paymentId)
    },
  },
  {
    name: 'an approved payment holds or takes the money; capture makes it PAID, and capturing again is a no-op',
    async run(subject) {
      const payment = await created(subject)
      await subject.buyer(payment, 'approve')
      assert.ok(PAID_BY_BUYER.includes(await subject.gateway.status(payment.paymentId)))
      await subject.gateway.capture(payment.paymentId, 4_000_000n)
      assert.equal(await subject.gateway.status(payment.paymentId), 'PAID')
      await subject.gateway.capture(payment.paymentId, 4_000_000n)
      assert.equal(await subject.gateway.status(payment.paymentId), 'PAID')
    },
  },
  {
    name: 'a declined payment is FAILED: capture refuses it, cancel is a no-op',
    async run(subject) {
      const payment = await created(subject)
      await subject.buyer(payment, 'decline')
      assert.equal(await subject.gateway.status(payment.paymentId), 'FAILED')
      await assert.rejects(
        subject.gateway.capture(payment.paymentId, 4_000_000n),
        appError('CONFLICT', 'PAYMENT_REJECTED'),
      )
      await subject.gateway.cancel(payment.paymentId)
      assert.equal(await subject.gateway.status(payment.paymentId), 'FAILED')
    },
  },
  {
    name: 'capture of a payment the buyer has not paid refuses and changes nothing',
    async run(subject) {
      const payment = await created(subject)
      await assert.rejects(
        subject.gateway.capture(payment.paymentId, 4_000_000n),
        appError('CONFLICT', 'PAYMENT_REJECTED'),
      )
      assert.equal(await subject.gateway.status(payment.paymentId), 'PENDING')
    },
  },
  {
    name: 'cancel voids an unpaid payment; cancelling again is a no-op',
    async run(subject) {
      const payment = await created(subject)
      await subject.gateway.cancel(payment.paymentId)
      assert.equal(await subject.gateway.status(payment.paymentId), 'CANCELLED')
      await subject.gateway.cancel(payment.paymentId)
      assert.equal(await subject.gateway.status(payment.paymentId), 'CANCELLED')
    },
  },
  {
    name: 'refund returns captured money; refunding again is a no-op',
    async run(subject) {
      const payment = await captured(subject)
      await subject.gateway.refund(payment.paymentId)
      assert.equal(await subject.gateway.status(payment.paymentId), 'REFUNDED')
      await subject.gateway.refund(payment.paymentId)
      assert.equal(await subject.gateway.status(payment.paymentId), 'REFUNDED')
    },
  },
  {
    name: 'refund of a payment that was never captured refuses with CONFLICT and changes nothing',
    async run(subject) {
      const payment = await created(subject)
      await assert.rejects(subject.gateway.refund(payment.paymentId), appError('CONFLICT'))
      assert.equal(await subject.gateway.status(payment.paymentId), 'PENDING')
    },
  },
  {
    name: 'cancel never turns captured money into a refund',
    async run(subject) {
      const payment = await captured(subject)
      // Refusing (CONFLICT) and doing nothing both keep the promise; refunding would break it.
      await subject.gateway.cancel(payment.paymentId).catch((error: unknown) => appError('CONFLICT')(error))
      assert.equal(await subject.gateway.status(payment.paymentId), 'PAID')
    },
  },
  {
    name: 'an unknown payment is PAYMENT_NOT_FOUND for status and cancel',
    async run(subject) {
      await assert.rejects(subject.gateway.status('999999999999999'), appError('PAYMENT_NOT_FOUND'))
      await assert.rejects(subject.gateway.cancel('999999999999999'), appError('PAYMENT_NOT_FOUND'))
    },
  },
  {
    name: 'amounts outside the gateway’s bounds are PAYMENT_REJECTED and create nothing',
    needs: ['limits'],
    async run(subject) {
      const { min, max } = subject.limits!
      for (const amount of [min - 1n, max + 1n]) {
        const request = input({ amount })
        await assert.rejects(subject.gateway.createPayment(request), appError('PAYMENT_REJECTED'))
      }
      const atBounds = await Promise.all([min, max].map((amount) => subject.gateway.createPayment(input({ amount }))))
      assert.equal(atBounds.length, 2)
    },
  },
  {
    name: 'an outage is GATEWAY_UNAVAILABLE, never a refusal; the same call works once the gateway is back',
    needs: ['outage'],
    async run(subject) {
      const payment = await created(subject)
      const request = input()
      subject.outage!(true)
      try {
        await assert.rejects(subject.gateway.createPayment(request), appError('GATEWAY_UNAVAILABLE'))
        await assert.rejects(subject.gateway.status(payment.paymentId), appError('GATEWAY_UNAVAILABLE'))
        await assert.rejects(subject.gateway.cancel(payment.paymentId), appError('GATEWAY_UNAVAILABLE'))
      } finally {
        subject.outage!(false)
      }
      const retried = await subject.gateway.createPayment(request)
      assert.equal(await subject.gateway.status(retried.paymentId), 'PENDING')
      assert.equal(await subject.gateway.status(payment.paymentId), 'PENDING', 'nothing changed during the outage')
    },
  },
])
