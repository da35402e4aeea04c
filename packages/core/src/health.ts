import type { FastifyInstance } from 'fastify'
import type { Database } from './db.ts'

/** How long /health waits for its database probe when nothing queues for a connection. */
const PROBE_WAIT_MS = 1_000
/** A probe unanswered for this long means the database is stuck, not merely busy. */
const PROBE_STALLED_MS = 10_000

/**
 * `GET /health`: liveness, and database readiness from a `SELECT 1` probe that never makes the caller queue behind
 * the pool. One probe runs at a time. When no query waits for a connection, the answer waits for the probe (at
 * most a second); when queries wait, a probe would sit behind them, so the answer comes at once from the last
 * finished probe while the new one runs in the background. A busy database is healthy; a failed probe, or one
 * stuck for ten seconds, is not.
 *
 * - 200 `{ status: 'ok', database: 'ok' }`: the last probe succeeded.
 * - 200 `{ status: 'ok', database: 'busy' }`: no probe has finished yet and the pool is busy (the database did
 *   answer at start, when migrations ran).
 * - 503 `{ status: 'degraded', database: 'unreachable' | 'unresponsive' }`.
 */
export function registerHealthRoute(app: FastifyInstance, db?: Database): void {
  let last: 'ok' | 'unreachable' | undefined
  let probe: Promise<void> | undefined
  let probeStartedAt = 0

  function startProbe(): Promise<void> {
    probeStartedAt = Date.now()
    const running = db!.query('SELECT 1').then(
      () => {
        last = 'ok'
      },
      () => {
        last = 'unreachable'
      },
    )
    probe = running.finally(() => {
      probe = undefined
    })
    return probe
  }

  app.get('/health', { schema: { hide: true }, config: { alwaysServe: true } }, async (_request, reply) => {
    if (!db) return { status: 'ok' }
    const running = probe ?? startProbe()
    if (db.poolStats().waiting === 0) await settledWithin(running, PROBE_WAIT_MS)
    if (probe && Date.now() - probeStartedAt > PROBE_STALLED_MS) {
      return reply.status(503).send({ status: 'degraded', database: 'unresponsive' })
    }
    if (last === 'unreachable') return reply.status(503).send({ status: 'degraded', database: 'unreachable' })
    return { status: 'ok', database: last ?? 'busy' }
  })
}

/** Resolves when the promise settles or the time is up, whichever comes first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
