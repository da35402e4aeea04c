import type { DailyLimit } from './daily-limit.ts'
import { GatewayError } from './errors.ts'
import { expiryDeadline } from './expiry.ts'

/** Payment statuses of the real gateway (its `PaymentStatus` enum names, as PaymentCheck reports them). */
export type PaymentStatus =
  | 'NEW'
  | 'FORM_SHOWED'
  | 'AUTHORIZED'
  | 'CONFIRMED'
  | 'REFUNDED'
  | 'CANCELLED'
  | 'EXPIRED'
  | 'REJECTED'

export const CURRENCIES = ['KZT', 'USD', 'EUR', 'BYN', 'RUB'] as const
export const MIN_AMOUNT = 1000
/** Per-payment cap of the deployed service's OpenAPI document (the code's global cap is far higher). */
export const MAX_AMOUNT = 50_000_000
export const DEFAULT_EXPIRY_MINUTES = 30
const ORDER_ID = /^[a-zA-Z0-9_-]+$/

/**
 * The lifecycle of the real gateway: INIT→NEW→FORM_SHOWED→AUTHORIZED→CONFIRMED→REFUNDED, cancellation or expiry
 * from any status before capture, rejection only after the form was shown.
 */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  NEW: ['FORM_SHOWED', 'CANCELLED', 'EXPIRED'],
  FORM_SHOWED: ['AUTHORIZED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
  AUTHORIZED: ['CONFIRMED', 'CANCELLED', 'EXPIRED'],
  CONFIRMED: ['REFUNDED'],
  REFUNDED: [],
  CANCELLED: [],
  EXPIRED: [],
  REJECTED: [],
}

export interface Team {
  teamSlug: string
  password: string
  notificationUrl?: string
  webhookSecret?: string
  webhookRetryAttempts: number
}

export interface Payment {
  paymentId: string
  teamSlug: string
  orderId: string
  /** Minor units (tiyn); the form shows amount / 100. */
  amount: number
  currency: string
  description?: string
  successUrl?: string
  failUrl?: string
  language: 'ru' | 'en'
  payType?: string
  email?: string
  data?: Record<string, string>
  status: PaymentStatus
  createdAt: number
  updatedAt: number
  expiresAt: number
  /** When the card was authorised; the authorisation hold runs from here. */
  authorizedAt?: number
  confirmedAmount?: number
  failureReason?: string
}

/** What happened to a payment, handed to the webhook side; `context` carries form-render facts. */
export interface TransitionEvent {
  payment: Payment
  from: PaymentStatus | null
  to: PaymentStatus
  at: number
  context?: Record<string, unknown>
}

export interface InitInput {
  amount?: unknown
  orderId?: unknown
  currency?: unknown
  description?: unknown
  successURL?: unknown
  failURL?: unknown
  paymentExpiry?: unknown
  language?: unknown
  payType?: unknown
  email?: unknown
  data?: unknown
  items?: unknown
}

export interface PaymentStoreOptions {
  clock: () => number
  random: () => number
  onTransition: (event: TransitionEvent) => void
  dailyLimit: DailyLimit
  /** How long an uncaptured AUTHORIZED payment stays confirmable before it becomes EXPIRED. */
  authorizationHoldMs: number
}

function validationError(problems: string[]): GatewayError {
  return new GatewayError(400, '1100', 'Validation failed', problems)
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false
  try {
    return Boolean(new URL(value).protocol)
  } catch {
    return false
  }
}

/** Checks a PaymentInit body against the gateway's DTO attributes and validators; returns every problem at once. */
export function validateInit(input: InitInput): string[] {
  const problems: string[] = []
  const { amount, orderId } = input
  if (typeof amount !== 'number' || !Number.isFinite(amount)) problems.push('amount is required and must be a number')
  else if (!Number.isInteger(amount)) problems.push('amount must be an integer number of minor units')
  else if (amount < MIN_AMOUNT) problems.push(`amount must be at least ${MIN_AMOUNT}`)
  else if (amount > MAX_AMOUNT) problems.push(`amount must be at most ${MAX_AMOUNT}`)
  if (typeof orderId !== 'string' || orderId === '') problems.push('orderId is required')
  else if (orderId.length > 36) problems.push('orderId must be at most 36 characters')
  else if (!ORDER_ID.test(orderId)) problems.push('orderId may contain only letters, digits, "_" and "-"')
  if (input.currency !== undefined && !CURRENCIES.includes(input.currency as (typeof CURRENCIES)[number])) {
    problems.push(`currency must be one of ${CURRENCIES.join(', ')}`)
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 140)) {
    problems.push('description must be a string of at most 140 characters')
  }
  for (const key of ['successURL', 'failURL'] as const) {
    if (input[key] !== undefined && !isAbsoluteUrl(input[key])) problems.push(`${key} must be an absolute URL`)
  }
  const expiry = input.paymentExpiry
  if (expiry !== undefined && (!Number.isInteger(expiry) || (expiry as number) < 1 || (expiry as number) > 43200)) {
    problems.push('paymentExpiry must be an integer number of minutes between 1 and 43200')
  }
  if (input.language !== undefined && input.language !== 'ru' && input.language !== 'en') {
    problems.push('language must be ru or en')
  }
  if (Array.isArray(input.items) && input.items.length > 0 && typeof amount === 'number') {
    const total = input.items.reduce((sum: number, item: { amount?: unknown }) => sum + Number(item?.amount ?? 0), 0)
    if (total !== amount) problems.push('the sum of items[].amount must equal amount')
  }
  return problems
}

/** In-memory payments of every team with the gateway's rules; knows nothing about HTTP. */
export function createPaymentStore(options: PaymentStoreOptions) {
  const { clock, random, onTransition, dailyLimit, authorizationHoldMs } = options
  const payments = new Map<string, Payment>()
  // Payments that may still expire, so the background sweep does not walk every payment ever made.
  const expirable = new Map<string, Payment>()
  // The real gateway keeps orderIds unique per team for ever: its data is never reset between test runs.
  const orderIds = new Map<string, Map<string, string>>()

  function newPaymentId(now: number): string {
    const seconds = Math.floor(now / 1000)
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = `${seconds}${String(Math.floor(random() * 10_000) % 10_000).padStart(4, '0')}`
      if (!payments.has(id)) return id
    }
    // A deterministic test random can collide for ever; fall back to the next free suffix.
    for (let suffix = 0; suffix < 10_000; suffix++) {
      const id = `${seconds}${String(suffix).padStart(4, '0')}`
      if (!payments.has(id)) return id
    }
    throw new GatewayError(429, '1429', 'Too many payments in one second')
  }

  function transition(payment: Payment, to: PaymentStatus, context?: Record<string, unknown>): void {
    const from = payment.status
    if (!TRANSITIONS[from].includes(to)) {
      throw new Error(`illegal payment transition ${from} → ${to}`)
    }
    const at = clock()
    payment.status = to
    payment.updatedAt = at
    if (to === 'AUTHORIZED') payment.authorizedAt = at
    if (to === 'REJECTED' || to === 'CANCELLED' || to === 'EXPIRED') payment.failureReason ??= to
    if (expiryDeadline(payment, authorizationHoldMs) === undefined) expirable.delete(payment.paymentId)
    onTransition({ payment, from, to, at, context })
  }

  /**
   * Applies expiry against the injected clock, both when a payment is read and from the background sweep. The
   * status check and the transition run in one synchronous step, so whichever gets there first expires the payment
   * and the other finds it EXPIRED: one transition, one webhook.
   */
  function expireIfDue(payment: Payment): Payment {
    const deadline = expiryDeadline(payment, authorizationHoldMs)
    if (deadline !== undefined && clock() >= deadline) transition(payment, 'EXPIRED')
    return payment
  }

  return {
    transition,
    canTransition(payment: Payment, to: PaymentStatus): boolean {
      return TRANSITIONS[payment.status].includes(to)
    },

    init(teamSlug: string, input: InitInput): Payment {
      const problems = validateInit(input)
      if (problems.length > 0) throw validationError(problems)
      const orderId = input.orderId as string
      const teamOrders = orderIds.get(teamSlug) ?? new Map<string, string>()
      orderIds.set(teamSlug, teamOrders)
      if (teamOrders.has(orderId)) {
        throw new GatewayError(409, '1002', 'Duplicate payment: orderId already used', {
          orderId,
          paymentId: teamOrders.get(orderId),
        })
      }
      const now = clock()
      const minutes = (input.paymentExpiry as number | undefined) ?? DEFAULT_EXPIRY_MINUTES
      const paymentId = newPaymentId(now)
      // Last check before anything is stored: a refused payment leaves no payment, no orderId and no daily total.
      dailyLimit.reserve(teamSlug, input.amount as number)
      const payment: Payment = {
        paymentId,
        teamSlug,
        orderId,
        amount: input.amount as number,
        currency: (input.currency as string | undefined) ?? 'KZT',
        description: input.description as string | undefined,
        successUrl: input.successURL as string | undefined,
        failUrl: input.failURL as string | undefined,
        language: input.language === 'en' ? 'en' : 'ru',
        payType: input.payType as string | undefined,
        email: input.email as string | undefined,
        data: input.data as Record<string, string> | undefined,
        status: 'NEW',
        createdAt: now,
        updatedAt: now,
        expiresAt: now + minutes * 60_000,
      }
      payments.set(payment.paymentId, payment)
      expirable.set(payment.paymentId, payment)
      teamOrders.set(orderId, payment.paymentId)
      onTransition({ payment, from: null, to: 'NEW', at: now })
      return payment
    },

    /** A payment by id, optionally restricted to one team (teams never see each other's payments). */
    get(paymentId: string, teamSlug?: string): Payment | undefined {
      const payment = payments.get(paymentId)
      if (!payment || (teamSlug !== undefined && payment.teamSlug !== teamSlug)) return undefined
      return expireIfDue(payment)
    },

    findByOrderId(teamSlug: string, orderId: string): Payment | undefined {
      const paymentId = orderIds.get(teamSlug)?.get(orderId)
      return paymentId === undefined ? undefined : this.get(paymentId, teamSlug)
    },

    /** Expires every payment whose deadline has passed (the background sweep); returns how many expired. */
    expireDue(): number {
      let expired = 0
      // Deleting the visited entry while iterating a Map is safe: transition() removes expired payments.
      for (const payment of expirable.values()) {
        if (expireIfDue(payment).status === 'EXPIRED') expired++
      }
      return expired
    },
  }
}

export type PaymentStore = ReturnType<typeof createPaymentStore>
