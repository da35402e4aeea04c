import { defineStateMachine } from '../../state-machine.ts'

/** Our record of one booking's payment (drawn in docs/design/tickets.md). */
export type PaymentStatus = 'INITIATED' | 'AUTHORIZED' | 'PAID' | 'FAILED' | 'CANCELLED' | 'REFUND_PENDING' | 'REFUNDED'

export type PaymentEvent = 'authorize' | 'fail' | 'cancel' | 'capture' | 'latePayment' | 'refund' | 'refunded'

export const paymentStates = defineStateMachine<PaymentStatus, PaymentEvent>('payment', {
  INITIATED: { authorize: 'AUTHORIZED', fail: 'FAILED', cancel: 'CANCELLED' },
  // Money held: the saga captures it after the provider confirmed, or voids it when it gives up.
  AUTHORIZED: { capture: 'PAID', cancel: 'CANCELLED' },
  PAID: { refund: 'REFUND_PENDING' },
  FAILED: {},
  // Money that arrives for a cancelled payment is given back.
  CANCELLED: { latePayment: 'REFUND_PENDING' },
  REFUND_PENDING: { refunded: 'REFUNDED' },
  REFUNDED: {},
})
