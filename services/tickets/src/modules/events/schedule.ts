import type { Queryable } from '@kokdala/core'
import { createEventDateRepository } from './repository.ts'

/**
 * When events take place, for the modules whose rules depend on it (a refund closes some hours before the event).
 * They ask here instead of joining `event` (docs/adr/0005-one-owner-per-table.md); `in(tx)` answers inside the
 * caller's transaction, which on PGlite, one connection, is the only place a transaction may read.
 */
export function createEventSchedule(db: Queryable) {
  const repository = createEventDateRepository(db)
  return {
    in: (tx: Queryable) => createEventSchedule(tx),
    localStartOf: repository.localStartOf,
  }
}

export type EventSchedule = ReturnType<typeof createEventSchedule>
