import { setTimeout as sleep } from 'node:timers/promises'
import type { Queryable } from '../src/db.ts'

/** Waits until the kinds have no unfinished job left, or fails after `ms`. */
export async function drained(db: Queryable, kinds: string[], ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const { rows } = await db.query(`SELECT 1 FROM job WHERE kind = ANY($1::text[]) AND status <> 'done' LIMIT 1`, [
      kinds,
    ])
    if (rows.length === 0) return
    if (Date.now() > deadline) throw new Error(`jobs of ${kinds.join(', ')} still unfinished after ${ms} ms`)
    await sleep(10)
  }
}

/** Starts the polling workers, waits until the kinds are drained, and stops the workers whatever happened. */
export async function drainWith(
  db: Queryable,
  workers: readonly { start(): Promise<unknown>; stop(): Promise<void> }[],
  kinds: string[],
  ms?: number,
): Promise<void> {
  await Promise.all(workers.map((worker) => worker.start()))
  try {
    await drained(db, kinds, ms)
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()))
  }
}
