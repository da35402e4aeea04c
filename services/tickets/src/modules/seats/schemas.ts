import { Id } from '@kokdala/core'
import { Type } from 'typebox'

export const ListSeatsQuery = Type.Object({
  event_id: Id(),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, format: 'int32' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 20, format: 'int32' })),
  row: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, format: 'int32' })),
  status: Type.Optional(Type.Union([Type.Literal('FREE'), Type.Literal('RESERVED'), Type.Literal('SOLD')])),
})

export const SeatItem = Type.Object({
  id: Type.Integer({ format: 'int64' }),
  row: Type.Integer({ format: 'int64' }),
  number: Type.Integer({ format: 'int64' }),
  status: Type.Union([Type.Literal('FREE'), Type.Literal('RESERVED'), Type.Literal('SOLD')]),
  price: Type.String({ format: 'decimal', description: 'Tenge with two decimals, e.g. "40000.00"' }),
})

export const SelectSeatBody = Type.Object({ booking_id: Id(), seat_id: Id() })
export const ReleaseSeatBody = Type.Object({ seat_id: Id() })

export const SeatChanged = Type.Object({
  seat_id: Type.Integer({ format: 'int64' }),
  status: Type.Union([Type.Literal('RESERVED'), Type.Literal('FREE')]),
})
