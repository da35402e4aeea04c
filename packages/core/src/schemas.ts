import { Type } from 'typebox'

/** The JSON error body every service answers with (see `toErrorResponse`). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable error code' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'Error' },
)

/** Documents error answers of a route: `...errorResponses(400, 401, 403)` in its `response` map. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<S, typeof ErrorBody>
}

/**
 * A positive int64 id that JavaScript holds exactly: ids travel as numbers, so anything above 2^53 − 1 would be
 * silently rounded to another id (and `1e20` or `Infinity` would reach the database and fail there). Refused as 400.
 */
export function Id(options: { description?: string } = {}) {
  return Type.Integer({ format: 'int64', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options })
}
