import { actionOfCode, type CheckData, type WebkassaErrorItem, type WebkassaResult } from '@kokdala/webkassa'

/**
 * What one answer to `POST /api/v4/check` means for the receipt (research/webkassa.md §3.3, "Outcome handling"),
 * from the code catalogue's action per code. Several errors at once: the gravest wins, and a 14 beside another
 * code is not a success.
 */
export type CheckOutcome =
  /** Fiscalized now. */
  | { kind: 'accepted'; data: CheckData }
  /** 14 alone with the original's `Data`: ours already, once its total is compared. */
  | { kind: 'duplicate'; data: CheckData }
  /** 14 alone without `Data`: the number is used; find the receipt, never mint a new number. */
  | { kind: 'duplicate_unseen' }
  /** No answer we can trust (timeout, reset, 5xx, not JSON): the receipt may exist — look it up before resending. */
  | { kind: 'lost'; reason: string }
  /** 11: Z report on this cashbox, then the same request again. */
  | { kind: 'close_shift' }
  /** 1, 4, 5, 6, 7, 10, 18, 1404: the cashbox (or the account) cannot fiscalize until someone acts; keep the jobs. */
  | { kind: 'park'; code: number; text: string }
  /** 9, 17, 20: this payload never passes. */
  | { kind: 'refused'; code: number; text: string }
  /** 2/3 after the session's one refresh, -1, 505 after failover, unknown codes: try again later. */
  | { kind: 'retry'; code: number; text: string }

const GRAVITY = ['credentials_invalid', 'park_cashbox', 'permanent', 'close_shift'] as const

function first(errors: readonly WebkassaErrorItem[], action: string): WebkassaErrorItem | undefined {
  return errors.find((e) => actionOfCode(e.Code) === action)
}

/** Classifies one answer to a receipt (after the session's refresh-and-replay of codes 2 and 3). */
export function classifyCheck(result: WebkassaResult<CheckData>): CheckOutcome {
  if (result.kind === 'ok') return { kind: 'accepted', data: result.data }
  if (result.kind === 'unknown') {
    return { kind: 'lost', reason: result.status ? `${result.reason} ${result.status}` : result.reason }
  }
  const errors = result.errors
  if (errors.length === 0) return { kind: 'retry', code: -1, text: 'Errors[] without an error' }
  for (const action of GRAVITY) {
    const error = first(errors, action)
    if (!error) continue
    if (action === 'close_shift') return { kind: 'close_shift' }
    if (action === 'permanent') return { kind: 'refused', code: error.Code, text: error.Text }
    return { kind: 'park', code: error.Code, text: error.Text }
  }
  if (errors.every((e) => actionOfCode(e.Code) === 'duplicate')) {
    return result.data?.CheckNumber ? { kind: 'duplicate', data: result.data } : { kind: 'duplicate_unseen' }
  }
  const other = errors.find((e) => actionOfCode(e.Code) !== 'duplicate') ?? errors[0]
  return { kind: 'retry', code: other.Code, text: other.Text }
}

/** A one-line reason for the receipt's record: codes and Webkassa's text, never a token or a payload. */
export function describeErrors(errors: readonly WebkassaErrorItem[]): string {
  return errors
    .map((e) => `${e.Code}: ${String(e.Text).slice(0, 200)}`)
    .join('; ')
    .slice(0, 1000)
}
