import { GatewayError } from './errors.ts'

/**
 * The gateway's per-team daily limit in minor units (research §3.3: 500 000 000 000). A team registered without one
 * (`DailyPaymentLimit = null`) has no limit; the simulator spells that 0.
 */
export const DEFAULT_DAILY_LIMIT = 500_000_000_000
const DAY_MS = 86_400_000

export interface DailyLimitOptions {
  clock: () => number
  /** Minor units per team per UTC day; 0 means no limit. */
  limit: number
}

/**
 * Sums the amounts each team initiated in the current UTC day (the real limit resets at 00:00 UTC) and refuses a
 * payment that would take the sum past the limit.
 */
export function createDailyLimit(options: DailyLimitOptions) {
  const { clock, limit } = options
  const totals = new Map<string, { day: number; amount: number }>()

  return {
    /** Counts `amount` towards the team's total for today, or throws 429 `3015` and counts nothing. */
    reserve(teamSlug: string, amount: number): void {
      if (limit === 0) return
      const day = Math.floor(clock() / DAY_MS)
      const current = totals.get(teamSlug)
      const usedToday = current?.day === day ? current.amount : 0
      // The organisers' client docs (hackload-data/payment-gateway.md, "Ошибки лимитов платежей") give the rule
      // `(today's payments) + (new amount) > DailyPaymentLimit` and the answer HTTP 429 with errorCode 3015 "Daily
      // payment limit exceeded"; 1007, the other code the research names, is "payment provider / customer status".
      if (usedToday + amount > limit) {
        throw new GatewayError(429, '3015', 'Daily payment limit exceeded', { dailyLimit: limit, usedToday, amount })
      }
      totals.set(teamSlug, { day, amount: usedToday + amount })
    },
  }
}

export type DailyLimit = ReturnType<typeof createDailyLimit>
