import { Type } from 'typebox'

export const ListEventsQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 200, description: 'Full-text search over title and description' })),
  date: Type.Optional(Type.String({ format: 'date', description: 'Only events starting on this day (YYYY-MM-DD)' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1, format: 'int32' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 20, format: 'int32' })),
})

export const EventItem = Type.Object({
  id: Type.Integer({ format: 'int64' }),
  title: Type.String(),
})

export const ListEventsResponse = Type.Array(EventItem)
