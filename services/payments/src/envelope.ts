import type { ErrorEnvelope } from '@kokdala/core'
import { Type } from 'typebox'

/** The seed's error body, documented: `{ success: false, message, error_code }` plus our stable `code`. */
export const SeedErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    message: Type.String({ description: 'Russian, as the seed words it' }),
    error_code: Type.Integer({ description: 'The HTTP status, as in the seed' }),
    code: Type.String({ description: 'Stable, machine-readable error code' }),
    details: Type.Optional(Type.Unknown()),
  },
  { description: 'Error' },
)

/** Documents a route's error answers: `...SeedErrorResponses(400, 404)` in its `response` map. */
export function seedErrorResponses<S extends number>(...statuses: S[]): Record<S, typeof SeedErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, SeedErrorBody])) as Record<S, typeof SeedErrorBody>
}

/** Answers every error in the seed's body (`createApp`'s `errorEnvelope`). */
export const seedErrorEnvelope: ErrorEnvelope = (error, status) => ({
  success: false,
  message: error.message,
  error_code: status,
  code: error.code,
  ...(error.details === undefined ? {} : { details: error.details }),
})
