/**
 * What the terminal pool's tests share, whatever stands for the terminals (the fake fleet or the Kaspi simulator): one
 * service process's pool and poller over the test database, on a manual clock, with the same timings.
 */
import { after, before, beforeEach } from 'node:test'
import type { Database, manualClock } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { paymentsMigrations } from '../src/database.ts'
import type { QrReader, TerminalClientFactory } from '../src/modules/terminals/client.ts'
import { createTerminalPoller } from '../src/modules/terminals/poller.ts'
import { createTerminalCalls, createTerminalPool, type TerminalOutcome } from '../src/modules/terminals/pool.ts'
import { createTerminalRepository, type TerminalRepository } from '../src/modules/terminals/repository.ts'

export const silentLog = { info() {}, warn() {} }
/** The lease timeout of every test pool. */
export const LEASE_MS = 60_000
const STATUS_INTERVAL_MS = 1_000
const OFFLINE_RETRY_MS = 30_000

/**
 * The suite's test database, opened before and closed after it, its terminal tables emptied before each test (this
 * hook runs before the suite's own, registered later). Call inside `describe`.
 */
export function terminalsDatabase() {
  let db: Database | undefined
  const opened = () => {
    if (!db) throw new Error('the test database opens in the suite’s before hook')
    return db
  }
  before(async () => {
    db = await openTestDatabase(paymentsMigrations)
  })
  after(() => db?.close())
  const empty = () =>
    opened().exec('TRUNCATE kaspi_terminal_refund, kaspi_terminal_process, kaspi_terminal RESTART IDENTITY')
  beforeEach(empty)
  return {
    /** Empties the terminal tables now. */
    empty,
    /** A terminal repository over the database (one per process stands for several processes). */
    repo: () => createTerminalRepository(opened()),
  }
}

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
