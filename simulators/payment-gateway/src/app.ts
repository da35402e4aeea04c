import { STATUS_CODES } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createSimKit } from '@kokdala/sim-kit'
import Fastify, { type FastifyError } from 'fastify'
import { type GatewayContext, GatewayFaultSwitches } from './context.ts'
import { createDailyLimit, DEFAULT_DAILY_LIMIT } from './daily-limit.ts'
import { errorBody, GatewayError } from './errors.ts'
import { DEFAULT_AUTHORIZATION_HOLD_MS, DEFAULT_EXPIRY_SWEEP_MS, startExpirySweep } from './expiry.ts'
import { apiRoutes } from './routes/api.ts'
import { formRoutes } from './routes/form.ts'
import { webhookLogRoutes } from './routes/sim.ts'
import { createPaymentStore, type Team } from './store.ts'
import { createWebhookDispatcher } from './webhooks.ts'

export interface TeamOptions {
  teamSlug: string
  password: string
  notificationUrl?: string
  webhookSecret?: string
  /** Retries after the first failed delivery (the real default is 3). */
  webhookRetryAttempts?: number
}

export interface PaymentGatewayOptions {
  teams: TeamOptions[]
  /** Base of `paymentURL`, e.g. `http://127.0.0.1:9002`. */
  publicUrl: string
  clock?: () => number
  random?: () => number
  /** Card processing delay range; the real gateway takes 500–2000 ms, tests want [0, 0]. */
  processingDelayMs?: [number, number]
  /** First webhook retry delay (doubles each retry); the real gateway uses 1000 ms. */
  webhookBackoffMs?: number
  webhookTimeoutMs?: number
  logger?: boolean
  /** Start with the deployed gateway's broken PaymentCancel (every cancel 401 `3001`); the fault switch can flip it. */
  cancelBroken?: boolean
  /** Per-team limit on the amounts initiated in one UTC day, minor units; 0 = none. Default: the real 500 000 000 000. */
  dailyLimit?: number
  /** How long an uncaptured AUTHORIZED payment stays confirmable before it becomes EXPIRED; default 7 days. */
  authorizationHoldMs?: number
  /** Interval of the background expiry sweep; default 1000 ms, 0 turns the timer off (reads still expire). */
  expirySweepMs?: number
  /** Whether `/__sim` can switch faults over HTTP (default true; off in production profiles). */
  controlRoutes?: boolean
}

/** Fails fast on a nonsensical number instead of letting it surface as odd behaviour much later. */
function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`)
  return value
}

/** The part of a path that decides which error family a validation failure belongs to. */
function validationCode(url: string | undefined): string {
  const path = (url ?? '').toLowerCase()
  if (path.includes('paymentconfirm')) return '2100'
  if (path.includes('paymentcancel')) return '3100'
  return '1100'
}

/**
 * Builds the ТөлеуБар gateway simulator: the merchant API under `/api/v1`, the hosted payment form, team
 * webhooks and the `/__sim` fault switch, all state in memory.
 */
export async function buildPaymentGatewayApp(options: PaymentGatewayOptions) {
  const clock = options.clock ?? Date.now
  const random = options.random ?? Math.random
  const dailyLimit = integerOption('dailyLimit', options.dailyLimit, DEFAULT_DAILY_LIMIT, 0)
  const authorizationHoldMs = integerOption(
    'authorizationHoldMs',
    options.authorizationHoldMs,
    DEFAULT_AUTHORIZATION_HOLD_MS,
    1,
  )
  const expirySweepMs = integerOption('expirySweepMs', options.expirySweepMs, DEFAULT_EXPIRY_SWEEP_MS, 0)
  const kit = createSimKit({
    extraFaults: GatewayFaultSwitches,
    initialFaults: { cancelBroken: options.cancelBroken ?? false },
    random,
    controlRoutes: options.controlRoutes,
    // Injected errors come in the gateway's error envelope with code 9999, as its own 5xx answers do.
    errorReply: (reply, status, request) =>
      reply
        .status(status)
        .send(errorBody(new GatewayError(status, '9999', STATUS_CODES[status] ?? 'Error'), clock(), request.id)),
  })
  const faults = kit.faults.current
  const teams = new Map<string, Team>(
    options.teams.map((team) => [
      team.teamSlug,
      { ...team, webhookRetryAttempts: team.webhookRetryAttempts ?? 3 } satisfies Team,
    ]),
  )
  const webhooks = createWebhookDispatcher({
    backoffBaseMs: options.webhookBackoffMs ?? 1000,
    timeoutMs: options.webhookTimeoutMs ?? 30_000,
  })
  const store = createPaymentStore({
    clock,
    random,
    dailyLimit: createDailyLimit({ clock, limit: dailyLimit }),
    authorizationHoldMs,
    onTransition: (event) => {
      const team = teams.get(event.payment.teamSlug)
      // Read at each transition, so the duplicateWebhooks fault applies to whatever happens while it is on.
      if (team) webhooks.dispatch(team, event, faults.duplicateWebhooks)
    },
  })
  const ctx: GatewayContext = {
    teams,
    store,
    webhooks,
    clock,
    random,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    processingDelayMs: options.processingDelayMs ?? [0, 0],
    dailyLimit,
    faults,
    kit,
    sweepExpiry: () => store.expireDue(),
  }

  // ASP.NET routing is case-insensitive: the docs say `PaymentForm`, the returned paymentURL says `paymentform`.
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { caseSensitive: false },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('paymentGateway', ctx)

  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    let gatewayError: GatewayError
    if (error instanceof GatewayError) gatewayError = error
    else if ((error as FastifyError).validation) {
      gatewayError = new GatewayError(400, validationCode(request.routeOptions.url), 'Validation failed', error.message)
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      gatewayError = new GatewayError(
        (error as FastifyError).statusCode!,
        '1000',
        'Invalid request body',
        error.message,
      )
    } else {
      request.log.error({ err: error }, 'request failed')
      gatewayError = new GatewayError(500, '9999', 'Internal server error')
    }
    reply.status(gatewayError.status).send(errorBody(gatewayError, clock(), request.id))
  })

  // Before the routes: the kit puts its fault hook and request log on every route registered after it.
  kit.install(app, { controlRoutes: webhookLogRoutes(ctx) })
  await app.register(apiRoutes, { ctx })
  await app.register(formRoutes, { ctx })

  // Without the sweep an abandoned payment would only expire when someone looked at it, and its webhook with it.
  const stopSweep =
    expirySweepMs > 0
      ? startExpirySweep(ctx.sweepExpiry, expirySweepMs, (error) =>
          app.log.error({ err: error }, 'expiry sweep failed'),
        )
      : () => {}
  app.addHook('onClose', async () => {
    stopSweep()
    webhooks.close()
  })
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The simulator's state (store, teams, webhook log, faults) — for tests and the `/__sim` routes. */
    paymentGateway: GatewayContext
  }
}

export type PaymentGatewayApp = Awaited<ReturnType<typeof buildPaymentGatewayApp>>
