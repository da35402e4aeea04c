import { hostname } from 'node:os'
import { type Clock, createChangeFeed, createWorker, type Database, type Runtime, type ServiceLog } from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import type { FiscalConfig } from './config.ts'
import { createReceiptsModule } from './modules/receipts/module.ts'
import type { TokenSession } from './modules/receipts/recovery.ts'
import { createTokensModule } from './modules/tokens/module.ts'
import { webkassaClientOf } from './webkassa.ts'

export interface FiscalServiceDeps {
  config: FiscalConfig
  db: Database
  clock: Clock
  log: ServiceLog
  /** Where the modules register what runs beside the requests and what closes with the service. */
  runtime: Runtime
  /** Replacements for tests. */
  overrides?: FiscalOverrides
}

export interface FiscalOverrides {
  /** A fake Webkassa (tests) instead of the HTTP client built from the config. */
  webkassa?: WebkassaClient
  /** The scheduled refresh's random delay in [0, 1). */
  random?: () => number
  /** A session receipts call Webkassa through instead of the tokens module's (tests of receipts alone). */
  session?: TokenSession
  /** Receipts: a shorter retry schedule and parked-cashbox probe for tests. */
  receipts?: { retryScheduleMs?: readonly number[]; parkProbeMs?: number }
}

/**
 * Builds every module's services, in dependency order, with no HTTP in sight: the one place outside a module that
 * creates repositories. Other modules reach a module only through what it returns here.
 */
export function buildFiscalServices({ config, db, clock, log, runtime, overrides = {} }: FiscalServiceDeps) {
  const webkassa = overrides.webkassa ?? webkassaClientOf(config)
  if (webkassa && !overrides.webkassa) runtime.closeWith(webkassa)
  // Changes of the Webkassa session row, for the tokens module's copy of it: on PostgreSQL, listening to migration
  // 012's notifications. Not on PGlite: the copy is for the many calls of a busy deployment, and a PGlite file may be
  // opened by more than one service instance in one process (the tests' two "processes"), which no feed would tell.
  const listenUrl = db.kind === 'postgres' ? config.DATABASE_URL : undefined
  const changes = listenUrl ? createChangeFeed({ url: listenUrl, channel: 'webkassa_session_changed', log }) : undefined
  if (changes) {
    void changes.start()
    runtime.closeWith(changes)
  }
  const tokens = createTokensModule({
    config,
    db,
    clock,
    log,
    runtime,
    client: webkassa,
    changes,
    random: overrides.random,
  })
  // Receipts call Webkassa only through the tokens module's session (refresh on 2/3, single-flight); without a
  // client (no API key configured) they wait in their queues.
  const receipts = createReceiptsModule({
    db,
    clock,
    log,
    runtime,
    config,
    client: webkassa,
    session: webkassa ? (overrides.session ?? tokens.session) : undefined,
    ...overrides.receipts,
  })
  // One worker per process runs every job kind of the service. Receipts of one cashbox run one at a time (ordered
  // groups), so cashboxes in parallel need as many lanes as there are cashboxes.
  const lanes = Math.max(2, receipts.cashboxes.length)
  const worker = createWorker({
    db,
    clock,
    // Stable across restarts: a process restarted after a crash takes back its receipts at once.
    workerId: config.WORKER_ID ?? `${hostname()}:${config.FISCAL_PORT}/fiscal#${config.WORKER_INDEX}`,
    concurrency: lanes,
    batchSize: lanes * 2,
    pollIntervalMs: 200,
    jobs: receipts.jobs,
    onError: (job, error) => log.warn({ job: job.id, kind: job.kind, err: error }, 'job failed'),
  })
  runtime.loop('job worker', worker)
  return { webkassa, tokens, receipts: receipts.service, worker }
}

export type FiscalServices = ReturnType<typeof buildFiscalServices>
