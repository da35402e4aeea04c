import { TicketsError } from '../../../errors.ts'
import type { PaymentGateway } from '../gateway.ts'
import type { TestGatewayRepository } from './repository.ts'

/**
 * An honest test-mode gateway: payments are recorded, the buyer decides on a page this service serves
 * (`/test-gateway/pay/:id`), and `status()` reports that decision. No money moves.
 */
export function createTestGateway(repository: TestGatewayRepository, publicUrl: string): PaymentGateway {
  async function require(paymentId: string) {
    const payment = await repository.find(paymentId)
    if (!payment) throw new TicketsError('PAYMENT_NOT_FOUND', `Test gateway has no payment ${paymentId}`)
    return payment
  }
  return {
    name: 'test',
    async createPayment(input) {
      const payment = await repository.create({
        orderId: input.orderId,
        amount: Number(input.amount),
        description: input.description,
        successUrl: input.successUrl,
        failUrl: input.failUrl,
      })
      return { paymentId: payment.id, paymentUrl: `${publicUrl}/test-gateway/pay/${payment.id}` }
    },
    async status(paymentId) {
      return (await require(paymentId)).status
    },
    /** The test gateway settles at once (PAID, never AUTHORIZED): there is nothing left to capture. */
    async capture(paymentId) {
      const payment = await require(paymentId)
      if (payment.status !== 'PAID') throw new TicketsError('CONFLICT', `Payment ${paymentId} is ${payment.status}`)
    },
    async cancel(paymentId) {
      await require(paymentId)
      await repository.move(paymentId, ['PENDING'], 'CANCELLED')
    },
    async refund(paymentId) {
      const payment = await repository.move(paymentId, ['PAID'], 'REFUNDED')
      if (payment?.status !== 'REFUNDED') throw new TicketsError('CONFLICT', `Payment ${paymentId} is not paid`)
    },
  }
}
