import type { Payment } from './store.ts'

/**
 * How long an uncaptured authorisation is held before it lapses. The real rule is unknown (research §3.4 only lists
 * AUTHORIZED → EXPIRED); acquirers typically release a card hold after about a week, so 7 days is an assumption.
 */
export const DEFAULT_AUTHORIZATION_HOLD_MS = 7 * 24 * 60 * 60 * 1000
export const DEFAULT_EXPIRY_SWEEP_MS = 1000

/**
 * When the payment becomes EXPIRED if nothing else happens to it: an unpaid payment at its `expiresAt`, an
 * authorised one `holdMs` after authorisation; `undefined` when its status can no longer expire.
 */
export function expiryDeadline(payment: Payment, holdMs: number): number | undefined {
  if (payment.status === 'NEW' || payment.status === 'FORM_SHOWED') return payment.expiresAt
  if (payment.status === 'AUTHORIZED') return (payment.authorizedAt ?? payment.updatedAt) + holdMs
  return undefined
}

/**
 * Runs `sweep` every `intervalMs` so payments expire (and their webhooks go out) without anyone reading them. The
 * timer is unref'd so it never keeps a process alive; the returned function stops it.
 */
export function startExpirySweep(sweep: () => void, intervalMs: number, onError: (error: unknown) => void) {
  const timer = setInterval(() => {
    // A throw inside a timer callback would take the whole process down; the next tick simply tries again.
    try {
      sweep()
    } catch (error) {
      onError(error)
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
