import { defineStateMachine } from '../../state-machine.ts'

/**
 * A seat's state (drawn in docs/design/tickets.md). FREE is the absence of a `seat_claim`; RESERVED and SOLD are a
 * claim of a booking; OUTSIDE is a SOLD claim without a booking (taken at the Event Provider, outside Biletter).
 */
export type SeatState = 'FREE' | 'RESERVED' | 'SOLD' | 'OUTSIDE'

export type SeatEvent = 'select' | 'release' | 'free' | 'sell' | 'detach' | 'takeOutside' | 'freeOutside'

export const seatStates = defineStateMachine<SeatState, SeatEvent>('seat', {
  FREE: { select: 'RESERVED', takeOutside: 'OUTSIDE' },
  // Released by the buyer; freed with its booking (cancel, expiry, failed payment, saga gave up, reset).
  RESERVED: { release: 'FREE', free: 'FREE', sell: 'SOLD', detach: 'OUTSIDE' },
  // Freed by a refund of a local event; detached by a refund of event 1, whose provider order stays CONFIRMED.
  SOLD: { free: 'FREE', detach: 'OUTSIDE' },
  OUTSIDE: { freeOutside: 'FREE' },
})
