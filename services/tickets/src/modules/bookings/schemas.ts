import { Id } from '@kokdala/core'
import { Type } from 'typebox'

export const CreateBookingBody = Type.Object({ event_id: Id() })
export const CreateBookingResponse = Type.Object({ id: Type.Integer({ format: 'int64' }) })
export const BookingIdBody = Type.Object({ booking_id: Id() })

export const BookingStatusSchema = Type.Union([
  Type.Literal('CREATED'),
  Type.Literal('PAYMENT_INITIATED'),
  Type.Literal('CONFIRMED'),
  Type.Literal('CANCELLED'),
])

export const BookingItem = Type.Object({
  id: Type.Integer({ format: 'int64' }),
  event_id: Type.Integer({ format: 'int64' }),
  status: BookingStatusSchema,
  seats: Type.Array(Type.Object({ id: Type.Integer({ format: 'int64' }) })),
})

export const BookingChanged = Type.Object({
  id: Type.Integer({ format: 'int64' }),
  status: BookingStatusSchema,
})
