// Fills app_user and event with HackLoad-shaped data (see shared/hackload-data/dataset-facts.md): the known users,
// the 10 000 active events and an archive of any size, streamed through COPY so millions of rows load in minutes.
import type { Database } from '@kokdala/core'
import { type CopyChunk, reportProgress } from './copy.ts'
import { activeEventChunks, archiveChunk, archiveChunkCount, EVENT_COLUMNS } from './events.ts'
import { loadNames } from './names.ts'
import { createSeedRepository } from './repository.ts'
import { USER_COLUMNS, userChunks, userRowCount } from './users.ts'
import { ACTIVE_EVENT_COUNT } from './vocabulary.ts'

export { generatedPassword, KNOWN_USERS, passwordHash } from './users.ts'

export interface SeedProgress {
  table: 'app_user' | 'event'
  done: number
  total: number
}

export interface SeedOptions {
  /** app_user rows; the known users are always included, so the total is max(users, KNOWN_USERS.length). */
  users: number
  /** Archive events, ids from 100 000 (HackLoad had 6 000 000). */
  archiveEvents: number
  seed?: number
  /** Reference time for registrations, logins and the active events' dates; pass it to make those reproducible. */
  now?: Date
  /** Concurrent archive COPY streams on PostgreSQL (default 2): the server's to_tsvector is the bottleneck. */
  parallel?: number
  onProgress?: (p: SeedProgress) => void
}

export interface SeedSummary {
  users: number
  activeEvents: number
  archiveEvents: number
  ms: number
}

export const DEFAULT_SEED = 20_250_925

/** Above this many archive rows on PostgreSQL, building the indexes once after the COPY beats maintaining them. */
const BULK_ARCHIVE_ROWS = 200_000

/** Replaces all users and events (and, by cascade, everything that references them) with generated data. */
export async function seedTickets(db: Database, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now()
  const users = requireCount('users', options.users)
  const archiveEvents = requireCount('archiveEvents', options.archiveEvents)
  const seed = options.seed ?? DEFAULT_SEED
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000)
  const names = await loadNames()

  const userTotal = userRowCount(users)
  const eventTotal = ACTIVE_EVENT_COUNT + archiveEvents
  const report = options.onProgress ?? (() => {})
  let usersDone = 0
  let eventsDone = 0
  const onUsers = (rows: number) => {
    usersDone += rows
    report({ table: 'app_user', done: usersDone, total: userTotal })
  }
  const onEvents = (rows: number) => {
    eventsDone += rows
    report({ table: 'event', done: eventsDone, total: eventTotal })
  }

  const repository = createSeedRepository(db)
  await repository.emptyDataSet()
  const bulk = db.kind === 'postgres' && archiveEvents > BULK_ARCHIVE_ROWS
  if (bulk) await repository.dropSearchIndexes()
  try {
    const loadUsers = () =>
      repository.copyUsers(USER_COLUMNS, reportProgress(userChunks(names, { users, seed, now }), onUsers))
    const loadEvents = async () => {
      await repository.copyEvents(EVENT_COLUMNS, reportProgress(activeEventChunks({ seed, now }), onEvents))
      const streams = db.kind === 'postgres' ? Math.max(1, Math.floor(options.parallel ?? 2)) : 1
      await loadArchive(db, { count: archiveEvents, seed }, streams, onEvents)
    }
    if (db.kind === 'postgres') {
      // Separate pool clients: users load while other server processes compute the events' tsvectors.
      await settleAll([loadUsers(), loadEvents()])
    } else {
      // PGlite is one connection; interleaving would gain nothing.
      await loadUsers()
      await loadEvents()
    }
  } finally {
    if (bulk) await repository.createSearchIndexes()
  }
  await repository.analyze()
  return {
    users: userTotal,
    activeEvents: ACTIVE_EVENT_COUNT,
    archiveEvents,
    ms: Math.round(performance.now() - started),
  }
}

/** True when the tickets tables hold seed data (event 1, the concert, exists). */
export function isSeeded(db: Database): Promise<boolean> {
  return createSeedRepository(db).isSeeded()
}

/** Loads the archive over `streams` COPY connections that share one queue of chunk indexes. */
async function loadArchive(
  db: Database,
  archive: { count: number; seed: number },
  streams: number,
  onEvents: (rows: number) => void,
): Promise<void> {
  const chunkCount = archiveChunkCount(archive.count)
  let next = 0
  // Each stream pulls the next index when it is ready for more; chunks are seeded by index, so the data is the
  // same however the chunks are spread over the streams.
  function* take(): Generator<CopyChunk> {
    while (next < chunkCount) yield archiveChunk(archive, next++)
  }
  const workers = Math.min(streams, chunkCount)
  await settleAll(
    Array.from({ length: workers }, () =>
      createSeedRepository(db).copyEvents(EVENT_COLUMNS, reportProgress(take(), onEvents)),
    ),
  )
}

/** Waits for every promise (so nothing still writes when the caller cleans up), then throws the first failure. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
}

function requireCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`)
  return value
}
