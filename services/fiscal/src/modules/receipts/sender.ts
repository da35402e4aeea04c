import type { Tiyn } from '@kokdala/core'
import type { CheckRequest, WebkassaClient } from '@kokdala/webkassa'
import { tiynOfWire } from './amounts.ts'
import { type FiscalFacts, factsOfCheck } from './fiscal-facts.ts'
import { classifyCheck } from './outcome.ts'
import { historyRow, type Located, locateReceipt, type TokenSession } from './recovery.ts'

/** What a shift step came to: done (`closed`: a Z report closed the open shift), try later, or the cashbox cannot go on. */
export type ShiftStep =
  | { kind: 'ok'; closed?: boolean }
  | { kind: 'retry'; reason: string }
  | { kind: 'park'; code: number; reason: string }

/** The cashbox's open shift on our side; null when none is open. */
export interface OpenShift {
  shiftNumber: number
  openedAt: Date
}

/**
 * The shift rules a send needs (module `shifts.ts`): every step runs on the cashbox's queue, inside its job. `known`
 * is the open shift as loaded with the job (undefined: not loaded, read it); nothing else changes a cashbox's shifts
 * while its queue runs this job.
 */
export interface ShiftPort {
  /** Z report first when the cashbox's open shift is old enough to hit the 24 h limit before long. */
  closeIfOld(cashbox: string, known?: OpenShift | null): Promise<ShiftStep>
  /** Z report now: Webkassa said 11. 12/13 (nothing open) count as done. */
  close(cashbox: string): Promise<ShiftStep>
  /** A receipt went through in this shift: the first one seen opens it on our side. */
  observed(cashbox: string, shiftNumber: number, at: Date, known?: OpenShift | null): Promise<void>
}

export interface SenderDeps {
  client: WebkassaClient
  session: TokenSession
  shifts: ShiftPort
  now: () => Date
}

export interface SendInput {
  cashbox: string
  externalNumber: string
  request: CheckRequest
  totalTiyn: Tiyn
  /**
   * Whether an earlier send may have reached Webkassa without an answer we trust (lost, a 14 without `Data`, a
   * run that died after marking the receipt `sending`): then the receipt is looked up before anything is sent.
   */
  uncertain: boolean
  /** The cashbox's open shift, when it was loaded with the job. */
  openShift?: OpenShift | null
  /** Records that the request is about to leave (status `sending`, an attempt row), committed before it does. */
  markSending(): Promise<void>
}

export type SendResult =
  | { kind: 'fiscalized'; facts: FiscalFacts; via: 'answer' | 'duplicate' | 'recovery' }
  /** Webkassa holds a receipt with our number but another total: a person must look. */
  | { kind: 'mismatch'; facts: FiscalFacts; reason: string }
  /** It may exist; look it up next time (status `recovering`). */
  | { kind: 'uncertain'; reason: string }
  /** It does not exist; send it next time with the same number (status `pending`). */
  | { kind: 'retry'; reason: string }
  | { kind: 'park'; code: number; reason: string }
  | { kind: 'failed'; code: number; reason: string }

/**
 * A send's result with the cashbox's open shift as the send left it, when known (`openShift` given, or changed by
 * the send): a Z report closed it, or the receipt opened one. The cashbox's next receipt, prepared while this one
 * was at Webkassa, is sent on it (a pipelined queue).
 */
export type Sent = SendResult & { openShift?: OpenShift | null }

function judged(facts: FiscalFacts, total: Tiyn, via: 'duplicate' | 'recovery'): SendResult {
  if (facts.totalTiyn !== null && facts.totalTiyn !== total) {
    return {
      kind: 'mismatch',
      facts,
      reason: `Webkassa holds ${facts.totalTiyn} tiyn under this number, we sent ${total}`,
    }
  }
  return { kind: 'fiscalized', facts, via }
}

function fromLocated(located: Exclude<Located, { kind: 'absent' }>, total: Tiyn): SendResult {
  if (located.kind === 'unknown') return { kind: 'uncertain', reason: located.reason }
  return judged(located.facts, total, 'recovery')
}

/**
 * Sends one receipt once, the way research §3.3 says: look up before resending anything uncertain, close an old
 * shift first, send, and act on the answer — 11 closes the shift and replays once, 14 with `Data` is ours after its
 * total is compared, 14 without `Data` and every lost answer are looked up, never re-numbered. Runs on the
 * cashbox's queue, so nothing else talks to this cashbox meanwhile.
 */
export async function sendReceipt(deps: SenderDeps, input: SendInput): Promise<Sent> {
  const known = { shift: input.openShift }
  const result = await send(deps, input, known)
  return known.shift === undefined ? result : { ...result, openShift: known.shift }
}

/** `sendReceipt`, keeping `known.shift` up to date with what it does to the cashbox's shift. */
async function send(deps: SenderDeps, input: SendInput, known: { shift?: OpenShift | null }): Promise<SendResult> {
  const { cashbox, externalNumber, totalTiyn } = input
  if (input.uncertain) {
    const located = await locateReceipt(deps, cashbox, externalNumber)
    if (located.kind !== 'absent') return fromLocated(located, totalTiyn)
  }
  const young = await deps.shifts.closeIfOld(cashbox, known.shift)
  if (young.kind !== 'ok') return young
  if (young.closed) known.shift = null
  let shiftClosed = false
  for (;;) {
    await input.markSending()
    const sentAt = deps.now()
    const outcome = classifyCheck(await deps.session.withToken((t) => deps.client.check(t, input.request)))
    switch (outcome.kind) {
      case 'accepted': {
        const facts = factsOfCheck(outcome.data)
        const shift = known.shift
        await deps.shifts.observed(cashbox, facts.shiftNumber, sentAt, shift)
        // Unknown before stays unknown (the row may hold an earlier opening time than this send's).
        if (shift !== undefined && shift?.shiftNumber !== facts.shiftNumber) {
          known.shift = { shiftNumber: facts.shiftNumber, openedAt: sentAt }
        }
        return { kind: 'fiscalized', facts, via: 'answer' }
      }
      case 'duplicate': {
        const facts = factsOfCheck(outcome.data)
        const row = await historyRow(deps, cashbox, facts.shiftNumber, externalNumber, facts.checkOrderNumber)
        if (typeof row === 'string') return { kind: 'uncertain', reason: row }
        return judged(row ? { ...facts, totalTiyn: tiynOfWire(row.Total) } : facts, totalTiyn, 'duplicate')
      }
      case 'duplicate_unseen': {
        const located = await locateReceipt(deps, cashbox, externalNumber)
        if (located.kind === 'absent') return { kind: 'uncertain', reason: '14 without Data, not found in history yet' }
        return fromLocated(located, totalTiyn)
      }
      case 'lost':
        return { kind: 'uncertain', reason: `answer lost (${outcome.reason})` }
      case 'close_shift': {
        if (shiftClosed) return { kind: 'retry', reason: '11 again after a Z report' }
        const closed = await deps.shifts.close(cashbox)
        if (closed.kind !== 'ok') return closed
        shiftClosed = true
        known.shift = null
        continue
      }
      case 'park':
        return { kind: 'park', code: outcome.code, reason: `${outcome.code}: ${outcome.text}` }
      case 'refused':
        return { kind: 'failed', code: outcome.code, reason: `${outcome.code}: ${outcome.text}` }
      case 'retry':
        return { kind: 'retry', reason: `${outcome.code}: ${outcome.text}` }
    }
  }
}
