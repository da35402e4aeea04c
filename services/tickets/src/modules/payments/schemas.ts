import { Id } from '@kokdala/core'
import { Type } from 'typebox'

export const OrderQuery = Type.Object({ orderId: Id() })

/** The return URLs' answer: the order number only (never the booking id), the booking's status, the money's. */
export const PaymentOutcomeSchema = Type.Object({
  order_id: Type.Integer({ format: 'int64' }),
  booking_status: Type.String(),
  payment_status: Type.Union([
    Type.Literal('PENDING'),
    Type.Literal('PROCESSING'),
    Type.Literal('PAID'),
    Type.Literal('NOT_CHARGED'),
    Type.Literal('REFUND_PENDING'),
    Type.Literal('REFUNDED'),
  ]),
  message: Type.String(),
})

export const NotificationBody = Type.Object({
  paymentId: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.String({ maxLength: 100 })),
  teamSlug: Type.Optional(Type.String({ maxLength: 200 })),
  timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const NotificationAck = Type.Object({
  received: Type.Boolean(),
  booking_status: Type.Optional(Type.String()),
})
