import { Type } from 'typebox'
import { Id } from '../schemas.ts'

/** A scope names what a token may do ('payments:write'); lower case, so one scope has one spelling. */
export const Scope = Type.String({ pattern: '^[a-z][a-z0-9_.:-]{0,63}$', description: "e.g. 'payments:write'" })

const Timestamp = Type.String({ format: 'date-time' })

export const ApiTokenView = Type.Object({
  id: Id(),
  name: Type.String(),
  subject: Type.String(),
  scopes: Type.Array(Type.String()),
  display_prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
  active: Type.Boolean({ description: 'Neither revoked nor expired' }),
  created_at: Timestamp,
  expires_at: Type.Union([Timestamp, Type.Null()]),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  last_used_at: Type.Union([Timestamp, Type.Null()], { description: 'Updated about once per cache lifetime' }),
})

export const CreateApiTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    subject: Type.String({ minLength: 1, maxLength: 200, description: "Whom the token acts for, e.g. 'service:club'" }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 32, uniqueItems: true }),
    expires_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
)

export const CreatedApiToken = Type.Intersect([
  ApiTokenView,
  Type.Object({ token: Type.String({ description: 'The secret: shown in this answer only, never again' }) }),
])

export const ListApiTokensQuery = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    after_id: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, default: 100 })),
  },
  { additionalProperties: false },
)

export const ApiTokenList = Type.Object({ tokens: Type.Array(ApiTokenView) })

export const ApiTokenParams = Type.Object({ id: Id() })
