import type { Clock } from '@kokdala/core'
import type { TerminalCalls, TerminalLog, TerminalOutcome, TerminalPool } from './pool.ts'
import { outcomeOfRow } from './pool.ts'
import type { TerminalRepository } from './repository.ts'

/** The payments module's `settleAttempt`: applies a terminal's outcome to an attempt; idempotent. */
export type SettleAttempt = (attemptId: number, outcome: TerminalOutcome) => Promise<void>

export interface TerminalPollerDeps {
  pool: TerminalPool
  calls: TerminalCalls
  terminals: TerminalRepository
  clock: Clock
  log: TerminalLog
  settleAttempt: SettleAttempt
  statusIntervalMs: number
  offlineRetryMs: number
  /** Attempts handled per round, of each kind. */
  batchSize?: number
}

export interface PollRound {
  checked: number
  settled: number
  reclaimed: number
  probed: number
}

const isFinal = (outcome: TerminalOutcome) => outcome.state === 'paid' || outcome.state === 'failed'

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++])
  })
  await Promise.all(lanes)
}

/**
 * What moves payments nobody watches (the seed left them `processing` until a cron noticed): one round checks the
 * open attempts no status poll asked about lately, hands every final outcome to the payments module (once the poller
 * has done so it is marked settled, so a crash between the two only repeats an idempotent call), reclaims leases
 * past their deadline and tries offline terminals again. Safe to run in every process at once: each step claims its
 * rows in the database.
 */
export function createTerminalPoller(deps: TerminalPollerDeps) {
  const { pool, calls, terminals, clock, log, settleAttempt } = deps
  const batchSize = deps.batchSize ?? 100

  async function settle(attemptId: number, outcome: TerminalOutcome): Promise<boolean> {
    try {
      await settleAttempt(attemptId, outcome)
      await terminals.markSettled(attemptId, clock.now())
      return true
    } catch (error) {
      log.warn({ attemptId, err: error }, 'settling a terminal outcome failed; retried next round')
      return false
    }
  }

  /**
   * A lease past its deadline: the process that held it died or the customer walked away. What the terminal says is
   * recorded; a payment still waiting is cancelled on the terminal and ends failed. An unreachable terminal keeps the
   * lease (nobody could use it anyway) until it answers, so a payment made meanwhile is never lost.
   */
  async function reclaim(terminalId: number, attemptId: number): Promise<boolean> {
    const row = await terminals.findProcess(attemptId)
    if (!row || row.terminalId !== terminalId || row.status === 'paid' || row.status === 'failed') {
      await terminals.releaseLease(attemptId)
      return true
    }
    if (!row.processId) {
      // Died before the terminal answered /v2/payment: there is no process to ask about or cancel.
      await terminals.recordOutcome(attemptId, { status: 'failed', failureReason: 'lease_timeout' }, clock.now())
      return true
    }
    const outcome = await calls.ask(row)
    if (isFinal(outcome)) return true
    const client = calls.clientOf({ id: row.terminalId, baseUrl: row.baseUrl, accessToken: row.accessToken })
    try {
      await client.cancel(row.processId)
    } catch (error) {
      await calls.failed(terminalId, error, 'cancel')
      return false
    }
    // A payment made between the status and the cancel is still seen: ask once more before calling it failed.
    const after = await calls.ask(row)
    if (!isFinal(after)) {
      await terminals.recordOutcome(attemptId, { status: 'failed', failureReason: 'lease_timeout' }, clock.now())
    }
    return true
  }

  async function round(): Promise<PollRound> {
    const result: PollRound = { checked: 0, settled: 0, reclaimed: 0, probed: 0 }
    const now = clock.now()

    for (let i = 0; i < batchSize; i++) {
      const claim = await terminals.claimExpiredLease(now, new Date(now.getTime() + deps.offlineRetryMs))
      if (!claim) break
      try {
        if (await reclaim(claim.terminalId, claim.attemptId)) result.reclaimed++
      } catch (error) {
        log.warn({ ...claim, err: error }, 'reclaiming a kaspi terminal lease failed')
      }
    }

    // Nobody asked within two intervals: nobody is polling this attempt.
    const stale = new Date(now.getTime() - 2 * deps.statusIntervalMs)
    const open = await terminals.unpolled(stale, batchSize)
    await eachLimited(open, 8, async (attemptId) => {
      result.checked++
      await pool.check(attemptId).catch((error) => log.warn({ attemptId, err: error }, 'terminal check failed'))
    })

    for (const attemptId of await terminals.unsettled(clock.now(), batchSize)) {
      const row = await terminals.findProcess(attemptId)
      if (row && (await settle(attemptId, outcomeOfRow(row)))) result.settled++
    }

    for (const terminal of await terminals.offlineDue(now)) {
      result.probed++
      try {
        await calls.clientOf(terminal).deviceInfo()
        await terminals.markOnline(terminal.id, clock.now())
        log.info({ terminalId: terminal.id }, 'kaspi terminal back online')
      } catch (error) {
        await calls.failed(terminal.id, error, 'deviceinfo')
      }
    }
    return result
  }

  return { round }
}
