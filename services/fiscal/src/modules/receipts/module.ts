import type { Clock, Database, Runtime } from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import { createReceiptJobs } from './jobs.ts'
import { paymentTypeMap } from './payment-types.ts'
import type { TokenSession } from './recovery.ts'
import { createReceiptRepository, type SendContext } from './repository.ts'
import { createReceiptService, type ReceiptService } from './service.ts'
import { createShiftKeeper } from './shifts.ts'

export interface ReceiptsModuleDeps {
  db: Database
  clock: Clock
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  runtime: Runtime
  config: {
    FISCAL_CASHBOXES: string
    FISCAL_VAT_PERCENT: number
    FISCAL_PAYMENT_TYPES?: string
  }
  client?: WebkassaClient
  session?: TokenSession
  /** Tests: a shorter retry schedule, probe interval, or Z threshold. */
  retryScheduleMs?: readonly number[]
  parkProbeMs?: number
}

/** The configured cashboxes (FISCAL_CASHBOXES, comma-separated ZNKs), in order, without blanks or repeats. */
export function cashboxList(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const znk of list) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(znk))
      throw new RangeError(`FISCAL_CASHBOXES: ${znk.slice(0, 70)} is not a cashbox number`)
  }
  return [...new Set(list)]
}

/**
 * The receipts module: its repository, shift keeper, service and job kinds, and the scheduled Z report sweep.
 * The job kinds go to the service's one worker (services.ts).
 */
export function createReceiptsModule(deps: ReceiptsModuleDeps) {
  const repo = createReceiptRepository(deps.db)
  const cashboxes = cashboxList(deps.config.FISCAL_CASHBOXES)
  const paymentTypeOf = paymentTypeMap(deps.config.FISCAL_PAYMENT_TYPES)
  // The jobs call the service, the service enqueues the jobs: the handlers reach it once it exists.
  let service: ReceiptService | undefined
  const ready = () => {
    if (!service) throw new Error('receipts service not built yet')
    return service
  }
  const jobs = createReceiptJobs({
    receipt: (id, run) => ready().process(id, run),
    // Pending sales are marked `sending` at the claim only when they will be sent at once (a Webkassa client).
    prepareReceipts: (q, ids) => repo.sendContexts(q, ids, { sales: deps.client !== undefined, now: deps.clock.now() }),
    chainedPrepareReceipts: repo.chainedSendContexts(deps.client !== undefined),
    unprepareReceipt: (id, prepared) => {
      const marked = (prepared as SendContext | undefined)?.markedAttempt
      return marked === undefined ? [] : repo.unmarkWrites(id, marked, deps.clock.now())
    },
    report: (p) => ready().runReport(p),
  })
  const { client, session } = deps
  const shifts =
    client && session ? createShiftKeeper({ db: deps.db, repo, client, session, clock: deps.clock }) : undefined
  service = createReceiptService({
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    repo,
    client: deps.client,
    session: deps.session,
    shifts,
    jobs,
    cashboxes,
    vatPercent: deps.config.FISCAL_VAT_PERCENT,
    paymentTypeOf,
    retryScheduleMs: deps.retryScheduleMs,
    parkProbeMs: deps.parkProbeMs,
  })
  deps.runtime.atStart('register cashboxes', () => repo.ensureCashboxes(deps.db, cashboxes, deps.clock.now()))
  deps.runtime.every('scheduled Z reports', 5 * 60_000, () => ready().scheduleZReports())
  return { service, jobs: jobs.all, cashboxes }
}

export type ReceiptsModule = ReturnType<typeof createReceiptsModule>
