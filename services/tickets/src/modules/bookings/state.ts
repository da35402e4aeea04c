/**
 * The booking state machine (drawn in docs/design/tickets.md). Seats follow it: RESERVED while the booking is
 * CREATED or PAYMENT_INITIATED, SOLD when CONFIRMED, FREE (claim deleted) when CANCELLED.
 */
export type BookingStatus = 'CREATED' | 'PAYMENT_INITIATED' | 'CONFIRMED' | 'CANCELLED'

export type BookingEvent = 'initiatePayment' | 'paymentSucceeded' | 'paymentFailed' | 'cancel' | 'expire' | 'refund'

const TRANSITIONS: Record<BookingStatus, Partial<Record<BookingEvent, BookingStatus>>> = {
  CREATED: { initiatePayment: 'PAYMENT_INITIATED', cancel: 'CANCELLED', expire: 'CANCELLED' },
  PAYMENT_INITIATED: {
    paymentSucceeded: 'CONFIRMED',
    paymentFailed: 'CANCELLED',
    cancel: 'CANCELLED',
    expire: 'CANCELLED',
  },
  CONFIRMED: { refund: 'CANCELLED' },
  CANCELLED: {},
}

/** The status after `event`, or undefined when the move is illegal from `from`. */
export function transition(from: BookingStatus, event: BookingEvent): BookingStatus | undefined {
  return TRANSITIONS[from][event]
}
