import type { Faults as SimFaults, SimKit } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import type { WebkassaSim } from './simulator.ts'

/**
 * The simulator's own switches beside the sim-kit's outage, latency and error rate (`POST /__sim/faults`); each is
 * read at every call, and `DELETE /__sim/faults` puts them back to what the simulator started with.
 */
export const WebkassaFaultSwitches = {
  /** A new Authorize invalidates the account's older tokens (code 2 for them). */
  invalidatePreviousTokens: Type.Boolean({ default: true }),
  /** Tokens older than this answer code 2; 0 = no age limit. Public clients assume about a day. */
  tokenTtlMs: Type.Integer({ minimum: 0, maximum: 30 * 86_400_000, default: 86_400_000 }),
  /** Code 14 comes with the original receipt's `Data` (unverified at Webkassa; both must be handled). */
  duplicateWithData: Type.Boolean({ default: false }),
  /** What a Z report answers when the last shift is already closed. */
  repeatZReportCode: Type.Union([Type.Literal(12), Type.Literal(13)], { default: 12 }),
  /** HTTP status and Webkassa code of the answer to a missing or unknown `x-api-key` (the real ones unverified). */
  apiKeyErrorStatus: Type.Integer({ minimum: 200, maximum: 499, default: 401 }),
  apiKeyErrorCode: Type.Integer({ minimum: -1, maximum: 9999, default: 4 }),
  /** Overlapping requests on one cashbox answer code 9, as Webkassa's request-order rule does. */
  sequenceCheck: Type.Boolean({ default: true }),
  /** How long each cashbox operation (check, money, X, Z) holds its cashbox: the physical per-cashbox limit. */
  cashboxLatencyMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
  /** Share (0..1) of successful check/MoneyOperation/ZReport calls that are recorded and then get no answer. */
  commitThenDropRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** `malformed`: every API call is carried out, then answered with JSON cut in the middle. */
  answer: Type.Union([Type.Literal('normal'), Type.Literal('malformed')], { default: 'normal' }),
  /**
   * Calls arriving for this `Host` (e.g. `127.0.0.1:9004`; `*` = every host) answer code 505 with the
   * `AlternativeDomainNames` header below, without being carried out. Empty: off.
   */
  unavailableHost: Type.String({ maxLength: 255, default: '' }),
  alternativeDomainNames: Type.String({ maxLength: 1000, default: '' }),
}

export type WebkassaFaults = SimFaults<typeof WebkassaFaultSwitches>

/** Operations commit-then-drop applies to. */
export const COMMITTING_OPERATIONS = ['check', 'moneyOperation', 'zReport'] as const
export type CommittingOperation = (typeof COMMITTING_OPERATIONS)[number]

/** What the route plugins share. */
export interface WebkassaSimContext {
  sim: WebkassaSim
  kit: SimKit<typeof WebkassaFaultSwitches>
  /** Integrator keys accepted in `x-api-key`. */
  apiKeys: Set<string>
  /** The next N successful calls of an operation that are recorded and then dropped (`/__sim/commit-then-drop`). */
  pendingDrops: Map<CommittingOperation, number>
  random: () => number
  /** Puts accounts, cashboxes, receipts, the clock and the switches back to the start. */
  reset(): void
}
