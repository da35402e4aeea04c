import type { Faults as SimFaults, SimKit } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import type { TerminalStore } from './terminals.ts'

/** The simulator's own switches beside the sim-kit's outage, latency and error rate (`POST /__sim/faults`). */
export const KaspiFaultSwitches = {
  /**
   * How the terminals' API answers: `normal`; `empty` (HTTP 200 with no body); `garbage` (HTTP 200 with an HTML page,
   * as a captive portal or a wrong address does). The camera is not affected.
   */
  answer: Type.Union([Type.Literal('normal'), Type.Literal('empty'), Type.Literal('garbage')], { default: 'normal' }),
}

export type KaspiFaults = SimFaults<typeof KaspiFaultSwitches>

/** What the route plugins share. */
export interface KaspiSimContext {
  store: TerminalStore
  kit: SimKit<typeof KaspiFaultSwitches>
  /** Set when the app closes, so a camera still looking for a QR gives up at once. */
  closing: boolean
}
