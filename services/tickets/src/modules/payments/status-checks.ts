import { setTimeout as sleep } from 'node:timers/promises'
import type { GatewayPaymentStatus } from './gateway.ts'

export interface StatusChecksOptions {
  /** Asks the gateway; the only thing that costs a call. */
  check: (gatewayPaymentId: string) => Promise<GatewayPaymentStatus>
  /** At most one check of one payment starts per interval; a settled answer is reused within it. */
  intervalMs: number
  now?: () => number
}

interface Entry {
  /** The check under way, if any. */
  current?: Promise<GatewayPaymentStatus>
  /** The one check that callers arriving while another runs (or too soon after one) share; it starts later. */
  queued?: Promise<GatewayPaymentStatus>
  lastStartedAt: number
  last?: { status: GatewayPaymentStatus; at: number }
  cleanup?: NodeJS.Timeout
}

/**
 * Coalesces gateway status checks per payment, in this process. A caller always gets the answer of a check that
 * started after it arrived, so no news is ever missed (a webhook saying AUTHORIZED never gets the PENDING of a check
 * begun before the buyer paid), except a settled answer (anything but PENDING), which is reused for `intervalMs`:
 * a payment that holds money or is over moves on only through our own capture or void. Callers arriving while a
 * check runs share one follow-up check, which starts no sooner than `intervalMs` after the previous one: however many
 * callbacks and webhooks arrive for one payment, the gateway sees at most one check per interval.
 */
export function createStatusChecks({ check, intervalMs, now = Date.now }: StatusChecksOptions) {
  const entries = new Map<string, Entry>()

  function run(id: string, entry: Entry): Promise<GatewayPaymentStatus> {
    entry.lastStartedAt = now()
    const current = check(id)
    entry.current = current
    clearTimeout(entry.cleanup)
    const settle = () => {
      if (entry.current !== current) return
      entry.current = undefined
      // Forget the payment once nothing is under way or queued and its answer can no longer be reused.
      if (!entry.queued) {
        entry.cleanup = setTimeout(() => entries.delete(id), Math.max(intervalMs, 1))
        entry.cleanup.unref()
      }
    }
    current.then((status) => {
      entry.last = { status, at: now() }
      settle()
    }, settle)
    return current
  }

  function queue(id: string, entry: Entry): Promise<GatewayPaymentStatus> {
    // The entry must outlive the wait, or a caller arriving meanwhile would start a check of its own.
    clearTimeout(entry.cleanup)
    const previous = entry.current
    entry.queued = (async () => {
      await previous?.catch(() => undefined)
      const wait = entry.lastStartedAt + intervalMs - now()
      if (wait > 0) await sleep(wait)
      entry.queued = undefined
      return run(id, entry)
    })()
    return entry.queued
  }

  return {
    /** The payment's status at the gateway, as of a moment after this call began (or a settled, recent answer). */
    status(gatewayPaymentId: string): Promise<GatewayPaymentStatus> {
      let entry = entries.get(gatewayPaymentId)
      if (!entry) {
        entry = { lastStartedAt: Number.NEGATIVE_INFINITY }
        entries.set(gatewayPaymentId, entry)
      }
      const { last } = entry
      if (last && last.status !== 'PENDING' && now() - last.at < intervalMs) return Promise.resolve(last.status)
      if (entry.queued) return entry.queued
      if (entry.current || now() - entry.lastStartedAt < intervalMs) return queue(gatewayPaymentId, entry)
      return run(gatewayPaymentId, entry)
    },
    /** Payments with a check under way, queued, or an answer still reusable (tests, bounds). */
    size: () => entries.size,
  }
}

export type StatusChecks = ReturnType<typeof createStatusChecks>
