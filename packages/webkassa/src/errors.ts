/**
 * Webkassa's error codes (research/webkassa.md §1.3) and what a client must do about each. Classify by
 * `Errors[].Code`, never by the HTTP status: Webkassa answers errors with 200.
 */
export type WebkassaAction =
  /** 2, 3: log in again (single-flight), then replay the same request once. */
  | 'refresh_token'
  /** 1: the credentials are wrong — never retry (that locks the account); stop the account's queues and alert. */
  | 'credentials_invalid'
  /** 11: the shift is over 24 h — Z report on this cashbox, then replay. */
  | 'close_shift'
  /** 12, 13 on a Z report: nothing to close — done. */
  | 'shift_already_closed'
  /** 14: the external number was already used — recover the original receipt, never mint a new number. */
  | 'duplicate'
  /** 4, 5, 6, 7, 10, 18, 1404: configuration, licence or OFD — park the cashbox's queue, keep its jobs, alert. */
  | 'park_cashbox'
  /** 9, 17, 20, and other validation: this payload will never pass — fail it with the reason. */
  | 'permanent'
  /** 8: not enough cash for a withdrawal — a business answer to the caller. */
  | 'business'
  /** 15, 16, 19: a lookup found nothing. */
  | 'not_found'
  /** 505: retry on a host from the `AlternativeDomainNames` header. */
  | 'failover'
  /** -1 and unknown codes: retry with backoff, then a person. */
  | 'retry'

export const WEBKASSA_ERROR_ACTIONS: Readonly<Record<number, WebkassaAction>> = {
  [-1]: 'retry',
  1: 'credentials_invalid',
  2: 'refresh_token',
  3: 'refresh_token',
  4: 'park_cashbox',
  5: 'park_cashbox',
  6: 'park_cashbox',
  7: 'park_cashbox',
  8: 'business',
  9: 'permanent',
  10: 'park_cashbox',
  11: 'close_shift',
  12: 'shift_already_closed',
  13: 'shift_already_closed',
  14: 'duplicate',
  15: 'not_found',
  16: 'not_found',
  17: 'permanent',
  18: 'park_cashbox',
  19: 'not_found',
  20: 'permanent',
  505: 'failover',
  1404: 'park_cashbox',
}

/** What to do about one error code (unknown codes are retried, then shown to a person). */
export function actionOfCode(code: number): WebkassaAction {
  return WEBKASSA_ERROR_ACTIONS[code] ?? 'retry'
}
