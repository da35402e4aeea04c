import { Type } from 'typebox'
import { RECEIPT_STATUSES } from './state.ts'

/** A tenge amount as a JSON number or a decimal string with at most two decimals (parsed strictly, never a float). */
const Amount = Type.Union([Type.Number(), Type.String({ maxLength: 24 })])

/**
 * Payments' webhook body (the seed's flat payload) as fiscal reads it: the fields it needs, anything else allowed
 * (payments may add fields). Amounts are tenge numbers.
 */
export const PaymentEventSchema = Type.Object(
  {
    event: Type.String({ maxLength: 40 }),
    transaction_id: Type.String({ minLength: 1, maxLength: 64 }),
    status: Type.String({ maxLength: 40 }),
    paid_amount: Type.Number({ minimum: 0 }),
    actual_amount_received: Type.Number({ minimum: 0 }),
    refunded_amount: Type.Number({ minimum: 0 }),
    written_off_amount: Type.Number({ minimum: 0 }),
    description: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    payment_method: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: true },
)

export const PaymentEventAnswer = Type.Object({
  received: Type.Boolean(),
  duplicate: Type.Boolean(),
  /** The receipts this event made (none for a duplicate or an event that moves no money). */
  receipts: Type.Array(Type.Integer()),
})

/** Printable text with something besides white space (the lookahead keeps the check linear). */
const POSITION_NAME = '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]+$'

const PAYMENT_TYPE_NAMES = ['cash', 'card', 'mobile'] as const

export const CreateReceiptBody = Type.Object(
  {
    /** The caller's id of this receipt: the same id never makes a second receipt. */
    external_id: Type.String({ minLength: 1, maxLength: 200 }),
    positions: Type.Array(
      Type.Object(
        {
          /** Webkassa refuses a blank name or one with control characters (code 9): refused here instead. */
          name: Type.String({ minLength: 1, maxLength: 128, pattern: POSITION_NAME }),
          count: Type.Integer({ minimum: 1, maximum: 100_000 }),
          /** Price of one unit, tenge. */
          price: Amount,
          /** VAT included in the price, %; default FISCAL_VAT_PERCENT; 0 = no VAT. */
          vat_percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          /** Webkassa RefUnits code; default 796 (pieces). */
          unit_code: Type.Optional(Type.Integer({ minimum: 1, maximum: 9999 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    payments: Type.Array(
      Type.Object(
        { type: Type.Union(PAYMENT_TYPE_NAMES.map((t) => Type.Literal(t))), sum: Amount },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 3 },
    ),
  },
  { additionalProperties: false },
)

export const ReceiptParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) })

export const ReceiptsQuery = Type.Object({
  payment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(Type.Union(RECEIPT_STATUSES.map((s) => Type.Literal(s)))),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
})

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const ReceiptView = Type.Object({
  id: Type.Integer(),
  external_number: Type.String(),
  kind: Type.String(),
  source: Type.String(),
  payment: Nullable(Type.String()),
  external_id: Nullable(Type.String()),
  cashbox: Type.String(),
  status: Type.String(),
  /** Tenge, two decimals. */
  total: Type.String(),
  commission: Type.String(),
  original_receipt_id: Nullable(Type.Integer()),
  fiscal: Nullable(
    Type.Object({
      check_number: Type.String(),
      time: Nullable(Type.String()),
      shift_number: Nullable(Type.Integer()),
      order_number: Nullable(Type.Integer()),
      offline: Type.Boolean(),
      ticket_url: Nullable(Type.String()),
      via: Nullable(Type.String()),
    }),
  ),
  last_error: Nullable(Type.String()),
  last_error_code: Nullable(Type.Integer()),
  attempts: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      started_at: Type.String(),
      finished_at: Nullable(Type.String()),
      outcome: Nullable(Type.String()),
      error: Nullable(Type.String()),
    }),
  ),
  created_at: Type.String(),
  fiscalized_at: Nullable(Type.String()),
})

export const ReceiptList = Type.Object({ receipts: Type.Array(ReceiptView) })

export const CashboxParams = Type.Object({ znk: Type.String({ minLength: 1, maxLength: 64 }) })
export const ReportParams = Type.Object({
  znk: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
})

export const ReportView = Type.Object({
  id: Type.Integer(),
  cashbox: Type.String(),
  kind: Type.String(),
  reason: Type.String(),
  status: Type.String(),
  shift_number: Nullable(Type.Integer()),
  data: Type.Unknown(),
  error: Nullable(Type.String()),
  requested_at: Type.String(),
  finished_at: Nullable(Type.String()),
})

export const CashboxList = Type.Object({
  cashboxes: Type.Array(
    Type.Object({
      znk: Type.String(),
      /** Parked: Webkassa said the cashbox cannot fiscalize (its jobs are kept and probed). */
      parked: Nullable(
        Type.Object({ code: Nullable(Type.Integer()), reason: Nullable(Type.String()), since: Type.String() }),
      ),
      /** Receipts not yet fiscalized, and when the oldest of them was made. */
      queued: Type.Integer(),
      oldest_queued_at: Nullable(Type.String()),
      /** Receipts that need a person (needs_attention or failed). */
      needs_attention: Type.Integer(),
      shift: Nullable(Type.Object({ number: Type.Integer(), opened_at: Type.String(), age_minutes: Type.Integer() })),
      /** Whether its last receipt was made in Webkassa's offline mode (Webkassa cannot reach the OFD). */
      last_receipt_offline: Nullable(Type.Boolean()),
    }),
  ),
})
