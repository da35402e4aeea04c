/**
 * What the terminal pool's tests share, whatever stands for the terminals (the fake fleet or the Kaspi simulator): one
 * service process's pool and poller over the test database, on a manual clock, with the same timings.
 */
import type { manualClock } from '@kokdala/core'
import type { QrReader, TerminalClientFactory } from '../src/modules/terminals/client.ts'
import { createTerminalPoller } from '../src/modules/terminals/poller.ts'
import { createTerminalCalls, createTerminalPool, type TerminalOutcome } from '../src/modules/terminals/pool.ts'
import type { TerminalRepository } from '../src/modules/terminals/repository.ts'

export const silentLog = { info() {}, warn() {} }
/** The lease timeout of every test pool. */
export const LEASE_MS = 60_000
const STATUS_INTERVAL_MS = 1_000
const OFFLINE_RETRY_MS = 30_000

/** One service process's pool: tests build several over one database to stand for several processes. */
export function processPool(input: {
  terminals: TerminalRepository
  clientFor: TerminalClientFactory
  qrReader: QrReader
  clock: ReturnType<typeof manualClock>
  startWaitMs?: number
}) {
  const deps = {
    ...input,
    log: silentLog,
    leaseTimeoutMs: LEASE_MS,
    statusIntervalMs: STATUS_INTERVAL_MS,
    offlineRetryMs: OFFLINE_RETRY_MS,
  }
  const calls = createTerminalCalls(deps)
  return { pool: createTerminalPool(deps, calls), calls, deps }
}

export type ProcessPool = ReturnType<typeof processPool>

/** The background poller of a process's pool; the outcomes it settles are pushed to `settled`. */
export function processPoller(p: ProcessPool, settled: [number, TerminalOutcome][]) {
  return createTerminalPoller({
    ...p,
    terminals: p.deps.terminals,
    clock: p.deps.clock,
    log: silentLog,
    settleAttempt: async (attemptId, outcome) => {
      settled.push([attemptId, outcome])
    },
    statusIntervalMs: STATUS_INTERVAL_MS,
    offlineRetryMs: OFFLINE_RETRY_MS,
  })
}
