import { requestToken } from '@kokdala/toleubar'
import { GatewayError } from './errors.ts'
import type { Payment, PaymentStore, Team } from './store.ts'
import type { WebhookDispatcher } from './webhooks.ts'

/** Fault switch of the simulator, set through `POST /__sim/faults`. */
export interface Faults {
  /** Every `/api/*` call answers 503. */
  outage: boolean
  /** Added to every `/api/*` call before it is handled. */
  latencyMs: number
  /** Share (0..1) of `/api/*` calls that answer 500. */
  errorRate: number
  /**
   * Reproduces the deployed PaymentCancel: its controller re-authenticates without the token, so every cancel
   * answers 401 `3001` and nothing changes (research §3.2).
   */
  cancelBroken: boolean
  /** Every webhook delivery is POSTed this many times, identical copies (1 = normal). */
  duplicateWebhooks: number
}

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
  faults: Faults
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
