export interface BatcherOptions<I, O> {
  /**
   * Runs a batch; returns one result per item, in the same order. It must be all or nothing (one transaction):
   * a batch that throws is run again in parts, so its items must have left no trace.
   */
  run(items: I[]): Promise<O[]>
  /** Largest batch sent at once. */
  maxBatch?: number
  /** Batches in flight at once (≤ the database pool size). */
  maxInFlight?: number
  /**
   * Whether a failed batch may be the fault of some of its items, so that running it in parts can save the rest.
   * Answer false for failures no item causes (the database is unreachable): every part would fail the same way,
   * and splitting would only multiply the load on a database that is already in trouble. Default: always true.
   */
  isolate?(error: unknown): boolean
  /**
   * Items with equal keys never run in two batches at once: while a batch holding one is in flight, the others wait
   * for the next batch. For a `run` that locks per key, so that one caller's items never make another batch wait.
   */
  key?(item: I): unknown
}

interface Entry<I, O> {
  item: I
  key: unknown
  resolve(value: O): void
  reject(error: unknown): void
}

/**
 * Group commit for hot writes: items submitted while earlier batches are in flight wait and go together in the
 * next batch. With no load a batch is a single item, so nothing waits for a timer; under load one round trip and
 * one commit serve many requests.
 *
 * No item can fail another: a batch that fails is split in halves and each half is run again, recursively, until
 * the failing items are alone in batches of one, which fail by themselves. One bad item among n costs about
 * 2·log2(n) extra round trips (not n), spent in the failed batch's own slot while other batches go on.
 */
export function createBatcher<I, O>({
  run,
  maxBatch = 256,
  maxInFlight = 4,
  isolate = () => true,
  key,
}: BatcherOptions<I, O>) {
  const queue: Array<Entry<I, O>> = []
  /** Keys of the items in flight (only with `key`). */
  const busy = new Set<unknown>()
  let inFlight = 0

  /** Runs a batch and settles each of its items, splitting it when it fails. Never rejects. */
  async function settle(batch: Array<Entry<I, O>>): Promise<void> {
    let results: O[]
    try {
      results = await run(batch.map((entry) => entry.item))
    } catch (error) {
      if (batch.length === 1 || !isolate(error)) {
        for (const entry of batch) entry.reject(error)
        return
      }
      // Halves one after the other: the slot keeps using one connection, as maxInFlight promises.
      const middle = Math.ceil(batch.length / 2)
      await settle(batch.slice(0, middle))
      await settle(batch.slice(middle))
      return
    }
    for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i])
  }

  /** The next batch: the oldest items, skipping those whose key is in flight. */
  function take(): Array<Entry<I, O>> {
    if (!key || busy.size === 0) return queue.splice(0, maxBatch)
    const batch: Array<Entry<I, O>> = []
    let kept = 0
    for (const entry of queue) {
      if (batch.length < maxBatch && !busy.has(entry.key)) batch.push(entry)
      else queue[kept++] = entry
    }
    queue.length = kept
    return batch
  }

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take()
      if (batch.length === 0) return
      const keys = key ? new Set(batch.map((entry) => entry.key)) : undefined
      for (const k of keys ?? []) busy.add(k)
      inFlight++
      settle(batch).finally(() => {
        for (const k of keys ?? []) busy.delete(k)
        inFlight--
        pump()
      })
    }
  }

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, key: key?.(item), resolve, reject })
        pump()
      })
    },
  }
}
