/**
 * Answers kept in memory for as long as nothing changes them: a bounded (least recently used) cache that a
 * `ChangeFeed` empties key by key. It answers only while the feed is live, and a value read from the database is
 * kept only if no change of its key (and no reset) was heard while it was being read — so a read that raced a
 * commit can never put the old value back after that commit's change was heard.
 */
import { LRUCache } from 'lru-cache'
import type { ChangeFeed } from './change-feed.ts'

/** What a notified cache hears and how much it holds. */
export interface NotifiedCacheOptions {
  feed: ChangeFeed
  /** The most keys kept; the least recently used go first. */
  maxEntries: number
}

/** Values by key, answered only while the feed vouches that nothing changed them. */
export interface NotifiedCache<V> {
  /** The value kept for `key`, unless there is none, it is not valid at `nowMs` any more or the feed is not live. */
  get(key: string, nowMs: number): V | undefined
  /**
   * Reads `key` through `load` and keeps the value until `validUntil(value)` (ms since the epoch; undefined: do not
   * keep it), provided the feed was live and heard no change of `key` while it was read.
   */
  load(key: string, load: () => Promise<V>, validUntil: (value: V) => number | undefined): Promise<V>
  /** How many values are kept. */
  readonly size: number
  /** Stops hearing the feed. */
  close(): void
}

interface Kept<V> {
  value: V
  until: number
}

/** A read under way: marked stale when its key changes or the feed resets before it ends. */
interface Read {
  stale: boolean
}

/** A bounded cache emptied key by key by `feed` (see the top of this file). */
export function createNotifiedCache<V>({ feed, maxEntries }: NotifiedCacheOptions): NotifiedCache<V> {
  const kept = new LRUCache<string, Kept<V>>({ max: maxEntries })
  const reading = new Map<string, Set<Read>>()

  const unsubscribe = feed.subscribe({
    changed(key) {
      kept.delete(key)
      for (const read of reading.get(key) ?? []) read.stale = true
    },
    reset() {
      kept.clear()
      for (const reads of reading.values()) for (const read of reads) read.stale = true
    },
  })

  return {
    get(key, nowMs) {
      if (!feed.live) return undefined
      const entry = kept.get(key)
      if (!entry) return undefined
      if (entry.until <= nowMs) {
        kept.delete(key)
        return undefined
      }
      return entry.value
    },
    async load(key, load, validUntil) {
      const read: Read = { stale: !feed.live }
      let reads = reading.get(key)
      if (!reads) {
        reads = new Set()
        reading.set(key, reads)
      }
      reads.add(read)
      try {
        const value = await load()
        const until = validUntil(value)
        if (!read.stale && feed.live && until !== undefined) kept.set(key, { value, until })
        return value
      } finally {
        reads.delete(read)
        if (reads.size === 0) reading.delete(key)
      }
    },
    get size() {
      return kept.size
    },
    close() {
      unsubscribe()
      kept.clear()
    },
  }
}
