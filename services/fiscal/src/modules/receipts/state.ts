import { defineStateMachine } from '@kokdala/core'

/**
 * A fiscal receipt's life (docs/design/fiscal.md):
 *
 * ```
 *                    block (return without a stored original)
 *          ┌────────────────────────────────────────────────────────────┐
 *          │                                                            ▼
 *   ┌─────────┐  send   ┌─────────┐  accept (Data, or 14 with Data    ┌─────────────────┐
 *   │ pending │────────►│ sending │──────── and the same total) ────► │   fiscalized    │
 *   └─────────┘         └─────────┘                                   └─────────────────┘
 *     ▲   ▲  ▲           │ │ │  │ lose (timeout, 5xx, not JSON) /           ▲
 *     │   │  │   defer   │ │ │  │ duplicate (14 without Data)               │ found (same total)
 *     │   │  └───────────┘ │ │  ▼                                           │
 *     │   │ (2/3, 11, park,│ │ ┌────────────┐ ────────────────────────────────┘
 *     │   │  retryable)    │ │ │ recovering │ ── missed (not in history:
 *     │   │                │ │ └────────────┘     resend, SAME number) ──► sending
 *     │   │                │ │     │ mismatch / give_up
 *     │   │     refuse     │ │     ▼
 *     │   │  (9, 17, 20) ◄─┘ │ ┌─────────────────┐
 *     │   │   ┌────────┐     └►│ needs_attention │ ◄── mismatch (14 with Data, other total) / give_up
 *     │   │   │ failed │       └─────────────────┘
 *     │   │   └────────┘              │ retry (a person)
 *     │   └───────── retry ───────────┘
 *     └───────────── retry (a person, after fixing the data) ── failed
 * ```
 *
 * A person's retry of `needs_attention` / `failed` is `retry` (→ `pending`) or, when an earlier request of the receipt
 * may have reached Webkassa, `recheck` (→ `recovering`): looked up by its number first, as after a lost answer.
 *
 * `fiscalized` is final: a receipt never leaves it. `recovering` is the only way out of an unknown outcome, so a
 * receipt whose answer was lost is looked up by its external number before it is ever sent again, with that number.
 */
export const receiptMachine = defineStateMachine('fiscal_receipt', {
  pending: { send: 'sending', block: 'needs_attention' },
  sending: {
    accept: 'fiscalized',
    lose: 'recovering',
    duplicate: 'recovering',
    defer: 'pending',
    refuse: 'failed',
    mismatch: 'needs_attention',
    give_up: 'needs_attention',
  },
  recovering: { found: 'fiscalized', missed: 'sending', mismatch: 'needs_attention', give_up: 'needs_attention' },
  fiscalized: {},
  // A person's retry (POST /api/receipts/{id}/retry): `retry` when no request of the receipt can have reached
  // Webkassa, `recheck` when one may have (a lost answer, a mismatch): then it is looked up before any resend.
  needs_attention: { retry: 'pending', recheck: 'recovering' },
  failed: { retry: 'pending', recheck: 'recovering' },
} as const)

export type ReceiptStatus = keyof typeof receiptMachine.table
export type ReceiptEvent = Parameters<typeof receiptMachine.next>[1]

/** Every status, in the order the API documents them. */
export const RECEIPT_STATUSES: readonly ReceiptStatus[] = [
  'pending',
  'sending',
  'fiscalized',
  'recovering',
  'needs_attention',
  'failed',
]
