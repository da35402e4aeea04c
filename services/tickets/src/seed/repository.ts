import type { Database } from '@kokdala/core'

// Same definitions as migrations/001_tickets.sql; IF NOT EXISTS so a failed load can be retried.
const DROP_INDEXES = 'DROP INDEX IF EXISTS event_search; DROP INDEX IF EXISTS event_starts_at'
const CREATE_INDEXES =
  // One exec is one pooled session, so the SET applies to the index builds (GIN builds gain a lot from memory).
  "SET maintenance_work_mem = '1GB';" +
  'CREATE INDEX IF NOT EXISTS event_search ON event USING gin (search);' +
  'CREATE INDEX IF NOT EXISTS event_starts_at ON event (starts_at);' +
  'RESET maintenance_work_mem'

/**
 * The only place with SQL of the seed, the data-set loader that writes `app_user` and `event` (no module of the
 * running service writes them; docs/adr/0005-one-owner-per-table.md).
 */
export function createSeedRepository(db: Database) {
  return {
    /**
     * Empties the data set. CASCADE: hall, seat, booking and seat_claim reference these tables; a reseed
     * invalidates them all, so whatever materialises event 1's hall must run after this.
     */
    async emptyDataSet(): Promise<void> {
      await db.exec('TRUNCATE app_user, event CASCADE')
    },
    /** Drops the event search indexes before a bulk load (building them once afterwards is faster). */
    dropSearchIndexes: () => db.exec(DROP_INDEXES),
    createSearchIndexes: () => db.exec(CREATE_INDEXES),
    copyUsers: (columns: string[], chunks: AsyncIterable<string>) => db.copyRows('app_user', columns, chunks),
    copyEvents: (columns: string[], chunks: AsyncIterable<string>) => db.copyRows('event', columns, chunks),
    analyze: () => db.exec('ANALYZE event, app_user'),
    /** True when the tickets tables hold seed data (event 1, the concert, exists). */
    async isSeeded(): Promise<boolean> {
      const { rows } = await db.query<{ seeded: boolean }>('SELECT EXISTS (SELECT 1 FROM event WHERE id = 1) AS seeded')
      return rows[0]?.seeded === true
    },
  }
}
