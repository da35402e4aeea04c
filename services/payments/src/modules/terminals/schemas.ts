import { Id } from '@kokdala/core'
import { Type } from 'typebox'

/** A terminal as the admin API shows it: never its access token. */
export const TerminalJson = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  base_url: Type.String(),
  camera_id: Type.String(),
  enabled: Type.Boolean(),
  state: Type.String({ enum: ['unknown', 'online', 'offline'], description: 'What the last call to it showed' }),
  busy: Type.Boolean({ description: 'Leased to a payment attempt now' }),
  lease_attempt_id: Type.Union([Type.Integer(), Type.Null()]),
  lease_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_seen_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
})

export const TerminalResponse = Type.Object({ success: Type.Literal(true), data: TerminalJson })
export const TerminalListResponse = Type.Object({ success: Type.Literal(true), data: Type.Array(TerminalJson) })

export const NewTerminalBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$' }),
    base_url: Type.String({
      minLength: 8,
      maxLength: 500,
      pattern: '^https?://[^\\s]+$',
      description: 'The terminal’s local API: https://10.0.0.21:8080',
    }),
    access_token: Type.String({ minLength: 1, maxLength: 500, pattern: '^[\\x21-\\x7e]+$' }),
    camera_id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' }),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const TerminalParams = Type.Object({ id: Id() })

export const ReconcileQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 hours before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
  },
  { additionalProperties: false },
)

const Tenge = Type.Number({ description: 'Tenge' })

export const MismatchJson = Type.Object({
  kind: Type.String({
    enum: [
      'missing_capture',
      'unknown_transaction',
      'missing_transaction',
      'amount_differs',
      'unknown_refund',
      'missing_refund',
      'refund_amount_differs',
    ],
  }),
  terminal_id: Type.Union([Type.Integer(), Type.Null()]),
  transaction_id: Type.Optional(Type.String()),
  attempt_id: Type.Optional(Type.Integer()),
  /** The ledger's refund row, and the terminal's refund process id it recorded (null: the terminal never answered). */
  refund_id: Type.Optional(Type.Integer()),
  refund_reference: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  amount: Type.Optional(Tenge),
  terminal_amount: Type.Optional(Tenge),
  captured_amount: Type.Optional(Tenge),
  refunded_amount: Type.Optional(Tenge),
})

export const ReconcileResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    terminals: Type.Integer(),
    transactions: Type.Integer(),
    captures: Type.Integer(),
    refunds: Type.Integer(),
    unreadable: Type.Array(Type.Object({ terminal_id: Type.Integer(), error: Type.String() })),
    mismatches: Type.Array(MismatchJson),
  }),
})

export const RunListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 14, description: 'Newest days first' })) },
  { additionalProperties: false },
)

export const RunJson = Type.Object({
  day: Type.String({ format: 'date', description: 'The local day reconciled (PAYMENTS_TIMEZONE)' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  status: Type.String({ enum: ['running', 'done', 'failed'] }),
  attempts: Type.Integer(),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  mismatches: Type.Union([Type.Integer(), Type.Null()]),
  unreadable: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  report: Type.Union([ReconcileResponse.properties.data, Type.Null()]),
})

export const RunListResponse = Type.Object({ success: Type.Literal(true), data: Type.Array(RunJson) })
