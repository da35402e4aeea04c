import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Clock, Database, Runtime } from '@kokdala/core'
import { createCameraQrReader, createKaspiTerminalClient } from '@kokdala/kaspi'
import { kaspiCameraUrl, type PaymentsConfig } from '../../config.ts'
import type { QrReader, TerminalClientFactory } from './client.ts'
import { adoptSimulatorTerminals, createSimulatorHistory } from './history.ts'
import { createTerminalPoller, type SettleAttempt } from './poller.ts'
import { createTerminalCalls, createTerminalPool, type TerminalLog } from './pool.ts'
import {
  type CapturedAttempts,
  createReconciliation,
  type LedgerRefunds,
  type TransactionHistory,
} from './reconcile.ts'
import { createTerminalRepository } from './repository.ts'
import { createRunRepository } from './runs.ts'
import { createReconciliationSchedule } from './schedule.ts'
import { createTerminalAdmin } from './service.ts'

export interface TerminalsModuleDeps {
  config: PaymentsConfig
  db: Database
  clock: Clock
  log: TerminalLog
  runtime: Runtime
  /** The payments module's `settleAttempt`; without it no background poller runs (nothing to hand outcomes to). */
  settleAttempt?: SettleAttempt
  /** How to reach a terminal; tests give fakes. */
  clientFor?: TerminalClientFactory
  qrReader?: QrReader
  /** Where terminals' transactions come from for reconciliation (default: the simulator's history). */
  history?: TransactionHistory
  /** The payments module's captures for reconciliation (default: the paid processes recorded here). */
  capturedAttempts?: CapturedAttempts
  /** This process's name in the daily reconciliation's row (default: host, pid and a random suffix). */
  worker?: string
  /** The payments module's refunds for reconciliation (default: the refunds sent through terminals, recorded here). */
  ledgerRefunds?: LedgerRefunds
}

/**
 * The terminals module: the pool the payments module drives, the operators' management, the reconciliation (on
 * demand and daily) and the background poller (registered on the service's runtime), over the module's own tables.
 */
export function createTerminalsModule(deps: TerminalsModuleDeps) {
  const { config, clock, log, runtime } = deps
  const terminals = createTerminalRepository(deps.db)
  const clientFor: TerminalClientFactory =
    deps.clientFor ??
    (({ id, baseUrl, accessToken }) =>
      createKaspiTerminalClient({
        baseUrl,
        accessToken,
        timeoutMs: config.KASPI_TERMINAL_TIMEOUT_MS,
        name: `kaspi-terminal-${id}`,
      }))
  let qrReader = deps.qrReader
  if (!qrReader) {
    const camera = createCameraQrReader({ baseUrl: kaspiCameraUrl(config) })
    runtime.closeWith(camera)
    qrReader = camera
  }
  const poolDeps = {
    terminals,
    clientFor,
    qrReader,
    clock,
    log,
    leaseTimeoutMs: config.KASPI_LEASE_TIMEOUT_MS,
    statusIntervalMs: config.KASPI_STATUS_INTERVAL_MS,
    offlineRetryMs: config.KASPI_OFFLINE_RETRY_MS,
  }
  const calls = createTerminalCalls(poolDeps)
  const pool = createTerminalPool(poolDeps, calls)
  const poller = deps.settleAttempt
    ? createTerminalPoller({
        pool,
        calls,
        terminals,
        clock,
        log,
        settleAttempt: deps.settleAttempt,
        statusIntervalMs: config.KASPI_STATUS_INTERVAL_MS,
        offlineRetryMs: config.KASPI_OFFLINE_RETRY_MS,
      })
    : undefined
  if (poller) runtime.every('kaspi terminal poller', config.KASPI_POLL_INTERVAL_MS, () => poller.round())
  runtime.closeWith(pool)
  const reconcile = createReconciliation({
    terminals,
    history: deps.history ?? createSimulatorHistory({ timeoutMs: config.KASPI_TERMINAL_TIMEOUT_MS }),
    capturedAttempts: deps.capturedAttempts,
    ledgerRefunds: deps.ledgerRefunds,
  })
  const runs = createRunRepository(deps.db)
  const schedule = createReconciliationSchedule({
    runs,
    reconcile,
    clock,
    log,
    at: config.PAYMENTS_RECONCILE_AT,
    timeZone: config.PAYMENTS_TIMEZONE,
    worker: deps.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  })
  runtime.every('terminal reconciliation', config.PAYMENTS_RECONCILE_CHECK_MS, () => schedule.tick())
  const admin = createTerminalAdmin({ terminals })
  const simulatorUrl = config.KASPI_SIMULATOR_URL
  if (simulatorUrl) {
    runtime.atStart('kaspi simulator terminals', async () => {
      const added = await adoptSimulatorTerminals(simulatorUrl, admin, config.KASPI_TERMINAL_TIMEOUT_MS)
      if (added > 0) log.info({ added, simulatorUrl }, 'registered the Kaspi simulator’s terminals')
    })
  }
  return { pool, admin, reconcile, schedule, runs, poller }
}

export type TerminalsModule = ReturnType<typeof createTerminalsModule>
