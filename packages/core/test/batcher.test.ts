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

test('batches respect maxBatch and a failed batch fails only its own items', async () => {
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
  assert.deepEqual(seen, [[1], [2, 3], [4, 5]])
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
  )
})
