import { Type } from 'typebox'

// Response schemas only: they drive fast serialisation of 1000-place pages and document the shapes. Inputs are
// checked by hand because the real provider answers 500 or 422 (never Fastify's 400) and with no body.

export const OrderCreated = Type.Object({ order_id: Type.String({ format: 'uuid' }) })

export const OrderStatusSchema = Type.Union([
  Type.Literal('STARTED'),
  Type.Literal('SUBMITTED'),
  Type.Literal('CONFIRMED'),
  Type.Literal('CANCELLED'),
])

export const OrderSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: OrderStatusSchema,
  started_at: Type.Integer({ description: 'epoch milliseconds' }),
  updated_at: Type.Integer({ description: 'epoch milliseconds' }),
  places_count: Type.Integer(),
})

export const PlaceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  row: Type.Integer(),
  seat: Type.Integer(),
  is_free: Type.Boolean(),
})

export const PlacePage = Type.Array(PlaceSchema)

export const PlaceCreated = Type.Object({ place_id: Type.String({ format: 'uuid' }) })
