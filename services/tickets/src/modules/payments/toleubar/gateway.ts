import type { AppError, HttpTarget } from '@kokdala/core'
import { TicketsError } from '../../../errors.ts'
import type { GatewayPaymentStatus, PaymentGateway } from '../gateway.ts'
import { createToleubarClient, gatewayCode, rejected, succeeded } from './client.ts'
import { toGatewayStatus } from './statuses.ts'

export interface ToleubarGatewayOptions {
  /** The merchant API, e.g. a target with baseUrl `https://hub.hackload.kz/payment-provider/common`. */
  http: HttpTarget
  teamSlug: string
  password: string
  /**
   * Base of the hosted form URLs. Only used to rebuild `paymentURL` when a repeated init finds the payment already
   * there; the gateway builds it from its own `Api:BaseUrl` setting, which need not be the API's base URL, and
   * an HttpTarget does not reveal its base URL anyway.
   */
  paymentFormBaseUrl: string
}

const PATHS = {
  init: '/api/v1/PaymentInit/init',
  check: '/api/v1/PaymentCheck/check',
  confirm: '/api/v1/PaymentConfirm/confirm',
  cancel: '/api/v1/PaymentCancel/cancel',
} as const

/** Gateway limits on init fields (research §3.3) that we would rather fit than be refused for. */
const MAX_DESCRIPTION = 140
const MAX_EXPIRY_MINUTES = 43_200

/** Statuses after which voiding has nothing left to do; PAID is not one of them, its money is taken. */
const VOID_DONE: readonly GatewayPaymentStatus[] = ['CANCELLED', 'FAILED', 'REFUNDED']

interface CheckedPayment {
  paymentId: string
  status: string
  amount: number
}

/**
 * The ТөлеуБар gateway (HackLoad's payment gateway) over HTTP. Its cancel endpoint voids or refunds depending on
 * the payment's status, so `cancel` and `refund` read the status first and only then call it: a void must never
 * turn into a silent refund of captured money. Confirm and cancel repeat safely (a repeat is a 409 we resolve by
 * reading the status), so the transport may retry them; init may not, and a repeated init is resolved through
 * the gateway's duplicate-orderId answer instead.
 */
export function createToleubarGateway(options: ToleubarGatewayOptions): PaymentGateway {
  const client = createToleubarClient(options)
  const formBase = options.paymentFormBaseUrl.replace(/\/+$/, '')

  function notFound(paymentId: string): AppError {
    return new TicketsError('PAYMENT_NOT_FOUND', `ТөлеуБар has no payment ${paymentId}`)
  }

  /** PaymentCheck by paymentId or orderId; undefined when the gateway has no such payment (404). */
  async function check(query: { paymentId: string } | { orderId: string }): Promise<CheckedPayment | undefined> {
    const reply = await client.post('check', PATHS.check, query, true)
    if (reply.status === 404) return undefined
    if (!succeeded(reply)) throw rejected(reply)
    const [payment] = Array.isArray(reply.body.payments) ? (reply.body.payments as CheckedPayment[]) : []
    if (!payment) throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: 'ТөлеуБар check: no payment' })
    return payment
  }

  async function status(paymentId: string): Promise<GatewayPaymentStatus> {
    const payment = await check({ paymentId })
    if (!payment) throw notFound(paymentId)
    return toGatewayStatus(payment.status)
  }

  /** A repeated init: our earlier attempt reached the gateway, so its payment is the one to show the buyer. */
  async function existingPayment(orderId: string, amount: number) {
    const payment = await check({ orderId })
    // The 1002 said the order exists; not finding it is the gateway being inconsistent, not a refusal.
    if (!payment) throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, { reason: `ТөлеуБар lost order ${orderId}` })
    if (Number(payment.amount) !== amount) {
      // Never send the buyer to pay an amount other than the booking's.
      throw new TicketsError('CONFLICT', `ТөлеуБар already has order ${orderId} for another amount`, {
        gatewayAmount: payment.amount,
      })
    }
    return { paymentId: payment.paymentId, paymentUrl: `${formBase}/api/v1/paymentform/render/${payment.paymentId}` }
  }

  /**
   * Calls cancel on a payment already known to be voidable or refundable. Resolves with undefined when it worked,
   * or, after a 409 (a repeat, or the payment moved meanwhile), with the status the payment is in now.
   */
  async function callCancel(paymentId: string): Promise<GatewayPaymentStatus | undefined> {
    const reply = await client.post('cancel', PATHS.cancel, { paymentId }, true)
    if (succeeded(reply)) return undefined
    if (reply.status === 404) throw notFound(paymentId)
    if (reply.status === 409) return status(paymentId)
    throw rejected(reply)
  }

  function capturedConflict(paymentId: string): AppError {
    return new TicketsError('CONFLICT', `ТөлеуБар payment ${paymentId} is captured: refund it instead of voiding`)
  }

  return {
    name: 'toleubar',

    async createPayment(input) {
      const amount = Number(input.amount)
      const reply = await client.post(
        'init',
        PATHS.init,
        {
          amount,
          orderId: input.orderId,
          // Sent explicitly although it is the default: the gateway hashes the default into the token too.
          currency: 'KZT',
          description: input.description.slice(0, MAX_DESCRIPTION),
          successURL: input.successUrl,
          failURL: input.failUrl,
          paymentExpiry: Math.min(MAX_EXPIRY_MINUTES, Math.max(1, Math.ceil(input.expiresInMinutes))),
          language: 'ru',
        },
        false,
      )
      if (reply.status === 409 && gatewayCode(reply) === '1002') return existingPayment(input.orderId, amount)
      if (!succeeded(reply)) throw rejected(reply)
      const { paymentId, paymentURL } = reply.body
      if (typeof paymentId !== 'string' || typeof paymentURL !== 'string') {
        throw new TicketsError('GATEWAY_UNAVAILABLE', undefined, {
          reason: 'ТөлеуБар init: no paymentId or paymentURL',
        })
      }
      return { paymentId, paymentUrl: paymentURL }
    },

    status,

    async capture(paymentId, amount) {
      // The deployed gateway does not verify this token, but it is computed by the rule in case it starts to.
      const reply = await client.post('confirm', PATHS.confirm, { paymentId, amount: Number(amount) }, true)
      if (succeeded(reply)) return
      if (reply.status === 404) throw notFound(paymentId)
      if (reply.status === 409) {
        const now = await status(paymentId)
        if (now === 'PAID') return
        throw new TicketsError('PAYMENT_REJECTED', `ТөлеуБар cannot capture a ${now} payment`, {
          gatewayCode: gatewayCode(reply),
          status: now,
        })
      }
      throw rejected(reply)
    },

    async cancel(paymentId) {
      const before = await status(paymentId)
      if (VOID_DONE.includes(before)) return
      if (before === 'PAID') throw capturedConflict(paymentId)
      // The gateway has no void-only call: a capture landing between this check and the call would be refunded,
      // so callers must never capture and void one payment at the same time.
      const after = await callCancel(paymentId)
      if (after === undefined || VOID_DONE.includes(after)) return
      if (after === 'PAID') throw capturedConflict(paymentId)
      throw new TicketsError('PAYMENT_REJECTED', `ТөлеуБар cannot void a ${after} payment`, { status: after })
    },

    async refund(paymentId) {
      const before = await status(paymentId)
      if (before === 'REFUNDED') return
      if (before !== 'PAID')
        throw new TicketsError('CONFLICT', `ТөлеуБар payment ${paymentId} is ${before}, not captured`)
      const after = await callCancel(paymentId)
      if (after === undefined || after === 'REFUNDED') return
      throw new TicketsError('CONFLICT', `ТөлеуБар payment ${paymentId} is ${after}, not refunded`)
    },
  }
}
