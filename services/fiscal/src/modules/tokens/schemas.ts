import { Type } from 'typebox'

const Time = Type.String({ format: 'date-time' })
const NullableTime = Type.Union([Time, Type.Null()])
const Fingerprint = Type.String({ pattern: '^[0-9a-f]{8}$', description: 'First 8 hex characters of SHA-256' })
const Reason = Type.String({ enum: ['on_demand', 'expired', 'scheduled', 'manual'] })

export const TokenHistoryJson = Type.Object({
  generation: Type.Integer(),
  fingerprint: Fingerprint,
  reason: Reason,
  obtained_by: Type.String({ description: 'The process that logged in' }),
  created_at: Time,
  last_used_at: NullableTime,
  replaced_at: NullableTime,
})

/** Everything about the session token but the token itself. */
export const TokenStatusJson = Type.Object(
  {
    account: Type.String(),
    configured: Type.Boolean({ description: 'Login, password and API key are set' }),
    has_token: Type.Boolean(),
    generation: Type.Integer({ description: 'Grows by one on every successful login' }),
    fingerprint: Type.Union([Fingerprint, Type.Null()]),
    key_version: Type.Union([Type.String(), Type.Null()], { description: 'The FISCAL_TOKEN_KEYS entry sealing it' }),
    obtained_at: NullableTime,
    age_seconds: Type.Union([Type.Integer(), Type.Null()]),
    last_refresh_reason: Type.Union([Reason, Type.Null()]),
    refreshing: Type.Boolean({ description: 'A process holds the refresh lease right now' }),
    last_error: Type.Union([
      Type.Object({ code: Type.Union([Type.Integer(), Type.Null()]), text: Type.String(), at: Time }),
      Type.Null(),
    ]),
    blocked: Type.Boolean({ description: 'Webkassa refused the credentials (code 1): no login until blocked_until' }),
    blocked_until: NullableTime,
    next_scheduled_refresh_at: NullableTime,
    history: Type.Array(TokenHistoryJson),
  },
  { additionalProperties: false },
)

export const RefreshResponse = Type.Object({
  refreshed: Type.Literal(true),
  status: TokenStatusJson,
})
