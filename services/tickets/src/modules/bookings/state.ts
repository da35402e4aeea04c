import { defineStateMachine } from '../../state-machine.ts'

/**
 * The booking state machine (drawn in docs/design/tickets.md). Seats follow it: RESERVED while the booking is
 * CREATED or PAYMENT_INITIATED, SOLD when CONFIRMED, FREE (claim deleted) when CANCELLED.
 */
export type BookingStatus = 'CREATED' | 'PAYMENT_INITIATED' | 'CONFIRMED' | 'CANCELLED'

export type BookingEvent =
  | 'changeSeats'
  | 'initiatePayment'
  | 'paymentRefused'
  | 'paymentSucceeded'
  | 'paymentFailed'
  | 'cancel'
  | 'expire'
  | 'refund'

export const bookingStates = defineStateMachine<BookingStatus, BookingEvent>('booking', {
  // Seats are selected and released only while CREATED: select_seats and release_seat check it in the database.
  CREATED: { changeSeats: 'CREATED', initiatePayment: 'PAYMENT_INITIATED', cancel: 'CANCELLED', expire: 'CANCELLED' },
  PAYMENT_INITIATED: {
    // The gateway refused the init for good: undone, the booking is editable again.
    paymentRefused: 'CREATED',
    paymentSucceeded: 'CONFIRMED',
    paymentFailed: 'CANCELLED',
    cancel: 'CANCELLED',
    expire: 'CANCELLED',
  },
  CONFIRMED: { refund: 'CANCELLED' },
  CANCELLED: {},
})
