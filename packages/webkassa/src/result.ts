import type { WebkassaErrorItem } from './wire.ts'

/**
 * What one Webkassa call came to. Three kinds, because a fiscal write has three outcomes that need different
 * handling: it happened (`ok`), Webkassa refused it and said why (`errors`), or we cannot know (`unknown`: a
 * timeout, a dropped connection, a 5xx or a body that is not JSON — the receipt may exist, so the caller looks it
 * up by its external number before sending it again, never with a new number).
 */
export type WebkassaResult<T> =
  | { kind: 'ok'; data: T }
  /** `data` is kept when Webkassa sends it beside the errors (code 14 may carry the original receipt). */
  | { kind: 'errors'; errors: WebkassaErrorItem[]; data?: T }
  | { kind: 'unknown'; reason: 'timeout' | 'network' | 'http_status' | 'malformed'; status?: number }
