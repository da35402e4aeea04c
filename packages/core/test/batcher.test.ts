import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createBatcher } from '../src/batcher.ts'

test('an idle batcher sends each item at once; under load items wait and go together', async () => {
  const batches: number[][] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const batcher = createBatcher<number, number>({
    maxInFlight: 1,
    async run(items) {
      batches.push(items)
      if (batches.length === 1) await gate
      return items.map((i) => i * 10)
    },
  })
  const first = batcher.submit(1)
  const rest = [2, 3, 4].map((i) => batcher.submit(i))
  assert.deepEqual(batches, [[1]], 'the first item did not wait for a timer')
  release()
  assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40])
  assert.deepEqual(batches, [[1], [2, 3, 4]])
})

test('batches respect maxBatch; a failed batch fails only the items to blame', async () => {
  const seen: number[][] = []
  const batcher = createBatcher<number, number>({
    maxBatch: 2,
    maxInFlight: 1,
    async run(items) {
      seen.push(items)
      if (items.includes(3)) throw new Error('boom')
      return items
    },
  })
  const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => batcher.submit(i)))
  assert.deepEqual(seen, [[1], [2, 3], [2], [3], [4, 5]], 'the failed batch [2, 3] was run again in halves')
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  )
})

/** A batcher whose run throws whenever one of `poison` is in the batch; the first batch waits for `release`. */
function poisoned(poison: number[], options: { maxBatch?: number; isolate?: (error: unknown) => boolean } = {}) {
  const runs: number[][] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const batcher = createBatcher<number, number>({
    maxInFlight: 1,
    ...options,
    async run(items) {
      runs.push(items)
      if (runs.length === 1) await gate
      const bad = items.find((i) => poison.includes(i))
      if (bad !== undefined) throw new Error(`item ${bad} is poison`)
      return items.map((i) => i * 10)
    },
  })
  return { batcher, runs, release }
}

test('one item that makes its batch throw fails alone, at a cost of O(log n) extra runs', async () => {
  const { batcher, runs, release } = poisoned([77])
  const first = batcher.submit(0)
  const rest = Array.from({ length: 128 }, (_, i) => batcher.submit(i + 1))
  release()
  await first
  const results = await Promise.allSettled(rest)
  results.forEach((result, i) => {
    if (i + 1 === 77) {
      assert.equal(result.status, 'rejected')
      assert.match(String((result as PromiseRejectedResult).reason), /item 77 is poison/)
    } else assert.deepEqual(result, { status: 'fulfilled', value: (i + 1) * 10 })
  })
  // [0], then the batch of 128, then two halves per level down to the poison alone: 1 + 1 + 2 · log2(128).
  assert.equal(runs.length, 2 + 2 * 7)
  assert.ok(runs.some((batch) => batch.length === 1 && batch[0] === 77))
})

test('several bad items in one batch each fail alone; every other item succeeds', async () => {
  const poison = [3, 4, 40, 100]
  const { batcher, release } = poisoned(poison)
  const first = batcher.submit(0)
  const rest = Array.from({ length: 100 }, (_, i) => batcher.submit(i + 1))
  release()
  await first
  const results = await Promise.allSettled(rest)
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i + 1] : []))
  assert.deepEqual(failed, poison)
})

test('a failure no item causes fails the batch at once, without splitting it', async () => {
  const { batcher, runs, release } = poisoned([5], { isolate: () => false })
  const first = batcher.submit(0)
  const rest = [1, 5, 9].map((i) => batcher.submit(i))
  release()
  await first
  const results = await Promise.allSettled(rest)
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  )
  assert.equal(runs.length, 2)
})

test('items with a key already in flight wait for the next batch; the others go at once', async () => {
  const runs: Array<Array<{ user: number; n: number }>> = []
  const gates: Array<() => void> = []
  const batcher = createBatcher<{ user: number; n: number }, number>({
    maxInFlight: 2,
    key: (item) => item.user,
    async run(items) {
      runs.push(items)
      await new Promise<void>((resolve) => gates.push(resolve))
      return items.map((item) => item.n)
    },
  })
  const a1 = batcher.submit({ user: 1, n: 1 })
  const a2 = batcher.submit({ user: 1, n: 2 })
  const b1 = batcher.submit({ user: 2, n: 3 })
  const a3 = batcher.submit({ user: 1, n: 4 })
  assert.deepEqual(
    runs.map((batch) => batch.map((item) => item.n)),
    [[1], [3]],
    "user 1's second item did not join a second batch while its first was in flight",
  )
  gates[0]()
  assert.equal(await a1, 1)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(
    runs.map((batch) => batch.map((item) => item.n)),
    [[1], [3], [2, 4]],
    'in order, together, once the key was free',
  )
  gates[1]()
  gates[2]()
  assert.deepEqual(await Promise.all([a2, b1, a3]), [2, 3, 4])
})
