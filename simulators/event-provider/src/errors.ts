/**
 * Why a provider call failed, named after the real provider's exceptions where it has one. The real provider
 * answers with the status code only, so the code never leaves the process; it exists for tests and readability.
 */
export type ProviderErrorCode =
  | 'MalformedId'
  | 'NotFound'
  | 'UnknownAggregate'
  | 'InvalidBody'
  | 'OrderNotStarted'
  | 'OrderNotSubmitted'
  | 'OrderAlreadyCancelled'
  | 'ConfirmedOrderCanNotBeCancelled'
  | 'NoPlacesAdded'
  | 'PlaceAlreadySelected'
  | 'PlaceNotAdded'
  | 'PlaceNotSelected'
  | 'ConcurrentAppend'

/** The status the real provider answers for each failure (research/hackload.md §2.2, read from its code). */
export const STATUS_BY_CODE: Record<ProviderErrorCode, number> = {
  // `UUID.fromString` throws IllegalArgumentException, which no handler maps: a bare 500.
  MalformedId: 500,
  // Only projection reads (`GET orders/{id}`, `GET places/{id}`) look a row up and answer 404.
  NotFound: 404,
  // Commands load the aggregate from the event store; a missing one is an unmapped exception.
  UnknownAggregate: 500,
  InvalidBody: 422,
  OrderNotStarted: 409,
  OrderNotSubmitted: 409,
  OrderAlreadyCancelled: 409,
  ConfirmedOrderCanNotBeCancelled: 409,
  NoPlacesAdded: 409,
  PlaceAlreadySelected: 409,
  PlaceNotAdded: 409,
  // Releasing a place nobody selected fails deep in the aggregate with an unmapped exception.
  PlaceNotSelected: 500,
  // The event store's primary key (aggregate_id, revision) rejects the second of two racing appends.
  ConcurrentAppend: 500,
}

/** A failed provider call: the rule that refused it. */
export interface Failure {
  ok: false
  code: ProviderErrorCode
}

/** A successful provider call and what it returns. */
export interface Success<T> {
  ok: true
  value: T
}

export type Outcome<T> = Success<T> | Failure

export function fail(code: ProviderErrorCode): Failure {
  return { ok: false, code }
}

export function succeed<T>(value: T): Success<T> {
  return { ok: true, value }
}
