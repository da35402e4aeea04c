import type { Faults as SimFaults, SimKit } from '@kokdala/sim-kit'
import { requestToken } from '@kokdala/toleubar'
import { Type } from 'typebox'
import { GatewayError } from './errors.ts'
import type { Payment, PaymentStore, Team } from './store.ts'
import type { WebhookDispatcher } from './webhooks.ts'

/**
 * The gateway's own switches beside the sim-kit's outage, latency and error rate, set through `POST /__sim/faults`.
 */
export const GatewayFaultSwitches = {
  /**
   * Reproduces the deployed PaymentCancel: its controller re-authenticates without the token, so every cancel
   * answers 401 `3001` and nothing changes (research §3.2).
   */
  cancelBroken: Type.Boolean({ default: false }),
  /** Every webhook delivery is POSTed this many times, identical copies (1 = normal). */
  duplicateWebhooks: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
}

/** The live fault switch: the kit's base faults and the gateway's own, read at every call. */
export type Faults = SimFaults<typeof GatewayFaultSwitches>

/** Everything the route plugins share; built once by `buildPaymentGatewayApp`. */
export interface GatewayContext {
  teams: Map<string, Team>
  store: PaymentStore
  webhooks: WebhookDispatcher
  clock: () => number
  random: () => number
  publicUrl: string
  processingDelayMs: readonly [number, number]
  /** Per-team daily limit in minor units in force (0 = none). */
  dailyLimit: number
  /** The live fault switch (`kit.faults.current`): a test may flip a field and the next call sees it. */
  faults: Faults
  /** The simulator kit: per-operation faults, scripted answers, the request log. */
  kit: SimKit<typeof GatewayFaultSwitches>
  /** Expires every payment whose deadline has passed, as the background timer does; returns how many expired. */
  sweepExpiry: () => number
}

/**
 * Verifies a request token the way the gateway's authentication filter does. Unknown teams and wrong tokens give
 * the same answer so that team slugs cannot be probed.
 */
export function authenticate(ctx: GatewayContext, request: Record<string, unknown>, errorCode = '1001'): Team {
  const team = typeof request.teamSlug === 'string' ? ctx.teams.get(request.teamSlug) : undefined
  const token = typeof request.token === 'string' ? request.token.toLowerCase() : ''
  const fields = { ...request }
  delete fields.token
  if (!team || token === '' || requestToken(fields, team.password) !== token) {
    throw new GatewayError(401, errorCode, 'Authentication failed')
  }
  return team
}

export function paymentUrl(ctx: GatewayContext, payment: Payment): string {
  return `${ctx.publicUrl}/api/v1/paymentform/render/${payment.paymentId}`
}

export function iso(ms: number): string {
  return new Date(ms).toISOString()
}
