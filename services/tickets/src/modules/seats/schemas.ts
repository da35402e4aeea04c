import { Type } from 'typebox'

const Int64 = Type.Integer({ format: 'int64', minimum: 1 })

export const ListSeatsQuery = Type.Object({
  event_id: Int64,
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, format: 'int32' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 20, format: 'int32' })),
  row: Type.Optional(Type.Integer({ minimum: 1, format: 'int32' })),
  status: Type.Optional(Type.Union([Type.Literal('FREE'), Type.Literal('RESERVED'), Type.Literal('SOLD')])),
})

export const SeatItem = Type.Object({
  id: Type.Integer({ format: 'int64' }),
  row: Type.Integer({ format: 'int64' }),
  number: Type.Integer({ format: 'int64' }),
  status: Type.Union([Type.Literal('FREE'), Type.Literal('RESERVED'), Type.Literal('SOLD')]),
  price: Type.String({ format: 'decimal', description: 'Tenge with two decimals, e.g. "40000.00"' }),
})

export const SelectSeatBody = Type.Object({ booking_id: Int64, seat_id: Int64 })
export const ReleaseSeatBody = Type.Object({ seat_id: Int64 })

export const SeatChanged = Type.Object({
  seat_id: Type.Integer({ format: 'int64' }),
  status: Type.Union([Type.Literal('RESERVED'), Type.Literal('FREE')]),
})
