import { Id } from '@kokdala/core'
import { Type } from 'typebox'

export const OrderQuery = Type.Object({ orderId: Id() })

export const PaymentOutcomeSchema = Type.Object({
  order_id: Type.Integer({ format: 'int64' }),
  booking_id: Type.Integer({ format: 'int64' }),
  booking_status: Type.String(),
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
