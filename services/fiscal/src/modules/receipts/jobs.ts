import {
  type ChainedPrepare,
  type DefinedJob,
  defineJob,
  type JobRun,
  type JobWrite,
  type Queryable,
} from '@kokdala/core'
import { Type } from 'typebox'

/** The ordered group of a cashbox: Webkassa takes one request at a time per cashbox, so its jobs run one by one. */
export function cashboxGroup(cashbox: string): string {
  return `cashbox:${cashbox}`
}

export const ReceiptJobPayload = Type.Object({ receiptId: Type.Integer({ minimum: 1 }), cashbox: Type.String() })
export const ReportJobPayload = Type.Object({
  cashbox: Type.String(),
  kind: Type.Union([Type.Literal('x'), Type.Literal('z')]),
  /** An X report asked for through the API: its row, made when it was asked. */
  reportId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** A scheduled Z report: the shift it is meant to close (nothing to do once that shift is closed). */
  shiftNumber: Type.Optional(Type.Integer({ minimum: 1 })),
})

export interface ReceiptJobHandlers {
  receipt(receiptId: number, run: JobRun): Promise<void>
  /** What a claimed batch of receipts needs to be sent, by receipt id, in one query. */
  prepareReceipts(q: Queryable, receiptIds: readonly number[]): Promise<ReadonlyMap<number, unknown>>
  /** The same for a receipt job chained by its predecessor's settle, inside that statement. */
  chainedPrepareReceipts: ChainedPrepare
  /** Undoes what the prepares wrote for a receipt leased ahead and given back unsent. */
  unprepareReceipt(receiptId: number, prepared: unknown): JobWrite[]
  report(payload: { cashbox: string; kind: 'x' | 'z'; reportId?: number; shiftNumber?: number }): Promise<void>
}

/**
 * The receipts module's job kinds, both on the cashbox's ordered group: receipts, X and Z reports of one cashbox
 * go to Webkassa strictly one at a time and in the order they were queued; cashboxes run in parallel. Retries are
 * the module's own (`RetryLater` with its schedule), so a job never dies and blocks its cashbox for a receipt that
 * only needs a person: that receipt goes to `needs_attention` and the queue moves on.
 */
export function createReceiptJobs(handlers: ReceiptJobHandlers) {
  const receipt = defineJob({
    kind: 'fiscal.receipt',
    payload: ReceiptJobPayload,
    group: (p) => cashboxGroup(p.cashbox),
    // One query for the batch instead of two reads per receipt between its claim and its send.
    async prepare(q, jobs) {
      const receiptOf = (payload: unknown) => (payload as { receiptId: number }).receiptId
      const byReceipt = await handlers.prepareReceipts(
        q,
        jobs.map((j) => receiptOf(j.payload)),
      )
      return new Map(jobs.map((j) => [j.id, byReceipt.get(receiptOf(j.payload))]))
    },
    // A cashbox's next receipt, leased by the settle of the one before it, is prepared in that statement too.
    chainedPrepare: handlers.chainedPrepareReceipts,
    // A cashbox's next receipt is leased and marked while the one before it is at Webkassa, and leaves the moment
    // that one is answered; the answered one settles behind it. A cycle is then Webkassa's call and no settle.
    pipelined: true,
    unprepare: (job, prepared) => handlers.unprepareReceipt((job.payload as { receiptId: number }).receiptId, prepared),
    handler: (p, _job, run) => handlers.receipt(p.receiptId, run),
  })
  const report = defineJob({
    kind: 'fiscal.report',
    payload: ReportJobPayload,
    group: (p) => cashboxGroup(p.cashbox),
    handler: (p) => handlers.report(p),
  })
  const all: DefinedJob[] = [receipt as DefinedJob, report as DefinedJob]
  return { receipt, report, all }
}

export type ReceiptJobs = ReturnType<typeof createReceiptJobs>
