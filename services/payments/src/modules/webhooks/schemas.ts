import { Id } from '@kokdala/core'
import { Type } from 'typebox'

const Time = Type.String({ format: 'date-time' })
const NullableTime = Type.Union([Time, Type.Null()])

export const TransactionId = Type.String({ pattern: '^[0-9A-Za-z]{1,64}$' })

export const DeliveryAttemptJson = Type.Object({
  attempted_at: Time,
  response_status: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
  response_body: Type.Union([Type.String({ description: 'At most the first 1 KB of the answer' }), Type.Null()]),
})

export const DeliveryJson = Type.Object({
  id: Type.Integer(),
  webhook_id: Type.String({ description: 'The `webhook-id` header: the same on every attempt and resend' }),
  endpoint_id: Type.Integer(),
  event: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ enum: ['pending', 'delivered', 'dead'] }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Time,
  finished_at: NullableTime,
  body: Type.String({ description: 'The exact bytes sent and signed' }),
  attempts: Type.Array(DeliveryAttemptJson),
})

export const DeliveriesQuery = Type.Object(
  {
    transaction_id: Type.Optional(TransactionId),
    status: Type.Optional(Type.String({ enum: ['pending', 'delivered', 'dead'] })),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    before_id: Type.Optional(Id()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
)

export const DeliveriesResponse = Type.Object({ success: Type.Literal(true), data: Type.Array(DeliveryJson) })

export const MessageParams = Type.Object({ id: Id() })

export const ResendRangeBody = Type.Object(
  {
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    transaction_id: Type.Optional(TransactionId),
    include_delivered: Type.Optional(Type.Boolean({ description: 'Replay delivered messages too' })),
  },
  { additionalProperties: false },
)

export const ResendResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({ resent: Type.Array(Type.Integer()) }),
})

export const StatsQuery = Type.Object(
  { from: Type.Optional(Time), to: Type.Optional(Time) },
  { additionalProperties: false },
)

export const StatsResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(
    Type.Object({
      endpoint_id: Type.Integer(),
      url: Type.String(),
      attempts: Type.Integer(),
      succeeded: Type.Integer(),
      success_rate: Type.Union([Type.Number(), Type.Null()]),
      no_answer: Type.Integer(),
      latency_ms: Type.Object({
        avg: Type.Union([Type.Number(), Type.Null()]),
        p50: Type.Union([Type.Number(), Type.Null()]),
        p95: Type.Union([Type.Number(), Type.Null()]),
        max: Type.Union([Type.Number(), Type.Null()]),
      }),
      pending: Type.Integer(),
      dead: Type.Integer(),
      last_attempt_at: NullableTime,
      last_success_at: NullableTime,
    }),
  ),
})

export const RegisterEndpointBody = Type.Object(
  {
    source_id: Id({ description: 'The source (API token) whose payments name this URL' }),
    url: Type.String({ minLength: 8, maxLength: 2000 }),
  },
  { additionalProperties: false },
)

export const EndpointParams = Type.Object({ id: Id() })

export const RotateBody = Type.Object(
  {
    grace_hours: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 168, description: 'How long the old secret keeps signing (24 by default)' }),
    ),
  },
  { additionalProperties: false },
)

export const SecretsResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    endpoint_id: Type.Integer(),
    url: Type.String(),
    secrets: Type.Array(
      Type.Object({
        secret: Type.String({ description: 'whsec_…: verifies the Standard Webhooks `webhook-signature`' }),
        expires_at: NullableTime,
      }),
    ),
  }),
})
