export interface BatcherOptions<I, O> {
  /** Runs a batch; returns one result per item, in the same order. */
  run(items: I[]): Promise<O[]>
  /** Largest batch sent at once. */
  maxBatch?: number
  /** Batches in flight at once (≤ the database pool size). */
  maxInFlight?: number
}

/**
 * Group commit for hot writes: items submitted while earlier batches are in flight wait and go together in the
 * next batch. With no load a batch is a single item, so nothing waits for a timer; under load one round trip and
 * one commit serve many requests. A failed batch fails each of its items.
 */
export function createBatcher<I, O>({ run, maxBatch = 256, maxInFlight = 4 }: BatcherOptions<I, O>) {
  const queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = []
  let inFlight = 0

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch)
      inFlight++
      run(batch.map((entry) => entry.item))
        .then(
          (results) => {
            for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i])
          },
          (error) => {
            for (const entry of batch) entry.reject(error)
          },
        )
        .finally(() => {
          inFlight--
          pump()
        })
    }
  }

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        pump()
      })
    },
  }
}
