import { requestToken } from '@kokdala/toleubar'
import { GatewayError } from './errors.ts'
import type { Payment, PaymentStore, Team } from './store.ts'
import type { WebhookDispatcher } from './webhooks.ts'

/** Fault switch of the simulator, set through `POST /__sim/faults`. */
export interface Faults {
  outage: boolean
  latencyMs: number
  errorRate: number
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
  faults: Faults
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
