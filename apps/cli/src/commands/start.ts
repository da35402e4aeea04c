import { type Closeable, closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'
import { eventProviderFromEnv, eventProviderSimulator } from '@kokdala/event-provider'
import { paymentGatewayFromEnv, paymentGatewaySimulator } from '@kokdala/payment-gateway'
import { runSimulator } from '@kokdala/sim-kit'
import { buildTicketsApp, loadTicketsConfig, openTicketsDatabase } from '@kokdala/tickets'
import { isSeeded } from '@kokdala/tickets/seed'
import { seedWithProgress } from './seed.ts'

/** Demo data `npm start` loads on first run: every known user and more, all active events, an archive slice. */
export const DEMO_DATA = { users: 5_000, archiveEvents: 100_000 }

/** What `kokdala start` runs, in start order; `--only` picks a subset by these names. */
export const STARTABLE = ['event-provider', 'payment-gateway', 'tickets'] as const

/**
 * `kokdala start`: the simulators of the external systems and every service in one process on fixed local
 * ports, services on embedded PGlite under ./data (or PostgreSQL with DATABASE_URL), demo data seeded on first
 * run, URLs printed.
 */
export async function start(only: string[] | undefined, out = process.stdout) {
  const unknown = only?.filter((name) => !STARTABLE.includes(name as (typeof STARTABLE)[number])) ?? []
  if (unknown.length > 0) throw new Error(`cannot start ${unknown.join(', ')}; known: ${STARTABLE.join(', ')}`)
  const wanted = new Set(only ?? STARTABLE)
  const closeables: Closeable[] = []
  const lines: string[] = []
  const env = platformEnv(wanted)

  if (wanted.has('event-provider')) {
    const { app, url } = await runSimulator(eventProviderSimulator(env))
    lines.push(`event provider (simulator)   ${url}/api/partners/v1/places   faults ${url}/__sim/faults`)
    closeables.push(app)
  }
  if (wanted.has('payment-gateway')) {
    const { app, url } = await runSimulator(paymentGatewaySimulator(env))
    lines.push(`payment gateway (simulator)  ${url}/api/v1/PaymentInit/init   faults ${url}/__sim/faults`)
    closeables.push(app)
  }
  if (wanted.has('tickets')) {
    const config = loadTicketsConfig(env)
    const db = await openTicketsDatabase(config)
    if (!(await isSeeded(db))) {
      out.write(`tickets: seeding demo data into ${config.DATABASE_URL ? 'PostgreSQL' : config.TICKETS_DATA_DIR}\n`)
      await seedWithProgress(db, DEMO_DATA)
    }
    const { app } = await buildTicketsApp({ config, db })
    await app.listen({ port: config.TICKETS_PORT, host: config.TICKETS_HOST, backlog: LISTEN_BACKLOG })
    // Event 1's stadium is materialised now, so the first buyer does not wait for 100 000 seats to be created.
    await app.inject({ method: 'GET', url: '/api/seats?event_id=1&pageSize=1' })
    const url = `http://${config.TICKETS_HOST}:${config.TICKETS_PORT}`
    lines.push(`tickets                      ${url}/api/events   docs ${url}/docs   metrics ${url}/metrics`)
    lines.push(
      `  event 1 seats from ${config.EVENT_PROVIDER_URL ?? 'the local stadium layout'}, ` +
        `payments via ${config.PAYMENT_GATEWAY === 'toleubar' ? `ТөлеуБар at ${config.PAYMENT_GATEWAY_URL}` : 'the test-mode page'}`,
    )
    // The database was opened here, so it is closed here, after the app.
    closeables.push(app, db)
  }
  out.write(`\nKokdala is running:\n  ${lines.join('\n  ')}\nPress Ctrl+C to stop.\n`)
  closeOnSignals(closeables)
}

/**
 * Wires the services to the simulators started beside them, unless the environment says otherwise: tickets takes
 * event 1's seats from the Event Provider and payments from ТөлеуБар, whose webhooks come back signed.
 */
function platformEnv(wanted: Set<string>): Record<string, string | undefined> {
  const env = { ...process.env }
  // The demo is for trying things, the contract's reset included.
  env.RESET_ENABLED ??= 'true'
  const ticketsUrl = `http://${env.TICKETS_HOST ?? '127.0.0.1'}:${env.TICKETS_PORT ?? 8080}`
  if (wanted.has('event-provider')) env.EVENT_PROVIDER_URL ??= eventProviderFromEnv(env).url
  if (wanted.has('payment-gateway')) {
    // The simulator's own team (its demo credentials unless the environment names one) is the one tickets uses.
    const gateway = paymentGatewayFromEnv(env)
    const [team] = gateway.options.teams
    env.PAYMENT_GATEWAY ??= 'toleubar'
    env.PAYMENT_GATEWAY_URL ??= gateway.publicUrl
    env.PAYMENT_TEAM_SLUG ??= team.teamSlug
    env.PAYMENT_TEAM_PASSWORD ??= team.password
    // A simulator's secret: public on purpose, it only ever guards fake money.
    env.PAYMENT_WEBHOOK_SECRET ??= 'kokdala-dev-webhook-secret'
    if (wanted.has('tickets')) env.PAYMENT_NOTIFICATION_URL ??= `${ticketsUrl}/api/payments/notifications`
  }
  return env
}
