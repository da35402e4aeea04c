import { type DefinedJob, defineJob } from '@kokdala/core'
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
  receipt(receiptId: number): Promise<void>
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
    handler: (p) => handlers.receipt(p.receiptId),
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
