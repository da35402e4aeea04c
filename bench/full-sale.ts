/**
 * Full sale: every one of event 1's 100 000 seats sold through the whole buyer flow — create booking, select
 * seats, initiatePayment (302), pay on the gateway's page (303 to the success URL), success callback — by
 * concurrent buyers. Afterwards the database must show 100 000 SOLD seats, each in exactly one CONFIRMED booking,
 * and revenue equal to the hall's face value; then POST /api/reset must free all of them in under 2 s. Reports wall time and tickets/s against the legend's need:
 * 80 % of the tickets within 4 hours.
 *
 *   npm run bench -- full-sale [--concurrency 64] [--seats-per-booking 10] [--workers 1] [--simulators]
 *
 * With --simulators the sale goes through the Event Provider and ТөлеуБар simulators (started as their own
 * processes): event 1's places come from the provider, every booking runs its provider saga, buyers pay on the
 * hosted form, and the gateway caps one payment at 500 000 ₸, so bookings hold as many seats of a row as fit
 * (10 in the golden circle … 2 in the upper tier). Card processing delay is set to 0: the bank's time is not ours,
 * and the team's daily limit is lifted (the whole hall is 2.8 times the real one, research §3.3).
 * The provider is never reset, so after the reset its sold places stay unavailable here too.
 *
 * Its 200 accounts buy the whole hall, each several seats a second for minutes, far beyond any person: the bench
 * lifts the per-user rate limits (CREATE_BOOKING_LIMIT_PER_MINUTE=0, SELECT_SEAT_LIMIT_PER_MINUTE=0). The cap on
 * held seats stays on (an account holds a booking or two at a time), so the sale pays its per-batch cost.
 */
import { basicAuthHeader, openDatabase } from '@kokdala/core'
import { paymentGatewayFromEnv } from '@kokdala/payment-gateway'
import { Pool } from 'undici'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureBenchUsers, ensureSeeded } from './lib/database.ts'
import { placesLoaded, startSimulator, startTickets } from './lib/services.ts'
import { round2 } from './lib/stats.ts'

const { options } = parseArgs(process.argv.slice(2))
const concurrency = intOption(options, 'concurrency', 64)
const perBooking = intOption(options, 'seats-per-booking', 10)
const workers = intOption(options, 'workers', 1)
const simulators = options.simulators === true
const SEATS = 100_000
/** The gateway's per-payment cap (deployed OpenAPI): 50 000 000 tiyn. */
const GATEWAY_MAX_AMOUNT = 50_000_000
const ROW_PRICE_TIYN = (row: number) =>
  [4, 8, 12, 16, 20][[10, 25, 45, 70, 100].findIndex((last) => row <= last)] * 1_000_000
const FACE_VALUE_TIYN = 14_000_000_000 * 100
const LEGEND_NEED_PER_SECOND = (0.8 * SEATS) / (4 * 3600)

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18083' }
await ensureSeeded(env, 5_000, 100_000)
const users = (await ensureBenchUsers({ url: env.DATABASE_URL }, 200)).map((u) => basicAuthHeader(u.email, u.password))
const sims = simulators ? await startSimulators() : undefined
if (sims) await forgetEarlierProvider(env.DATABASE_URL)
const service = await startTickets(
  {
    ...env,
    ...sims?.env,
    MAX_SEATS_PER_BOOKING: String(perBooking),
    CREATE_BOOKING_LIMIT_PER_MINUTE: '0',
    SELECT_SEAT_LIMIT_PER_MINUTE: '0',
  },
  workers,
)
const pool = new Pool(service.url, { connections: concurrency })
const calls: Record<string, number> = {}
const failures: string[] = []
const gatewayPools: Record<string, Pool> = {}

async function call(name: string, method: 'GET' | 'POST' | 'PATCH', path: string, auth?: string, body?: unknown) {
  calls[name] = (calls[name] ?? 0) + 1
  const headers: Record<string, string> = {}
  if (auth) headers.authorization = auth
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await pool.request({
    method,
    path,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.body.text()
  return { status: response.statusCode, location: response.headers.location as string | undefined, text }
}

/** The seats each booking buys: runs of `perBooking` seats, within one row and the gateway's cap when it applies. */
function plan(): Array<{ first: number; count: number }> {
  const purchases: Array<{ first: number; count: number }> = []
  for (let row = 1; row <= 100; row++) {
    const fit = simulators ? Math.min(perBooking, Math.floor(GATEWAY_MAX_AMOUNT / ROW_PRICE_TIYN(row))) : perBooking
    for (let seat = 1; seat <= 1000; seat += fit) {
      purchases.push({ first: (row - 1) * 1000 + seat, count: Math.min(fit, 1001 - seat) })
    }
  }
  return purchases
}

async function startSimulators() {
  const provider = await startSimulator('event-provider', 'EVENT_PROVIDER_PORT', '19001')
  const gateway = await startSimulator('payment-gateway', 'PAYMENT_GATEWAY_PORT', '19002', {
    PAYMENT_PROCESSING_DELAY_MS: '0,0',
    // The real team limit (5·10¹¹ tiyn a day) is a third of the hall's face value: lifted, or the sale stops there.
    PAYMENT_DAILY_LIMIT: '0',
  })
  // The simulator process inherits this environment, so it reads the same team from it.
  const [team] = paymentGatewayFromEnv(process.env).options.teams
  return {
    env: {
      EVENT_PROVIDER_URL: provider.url,
      PAYMENT_GATEWAY: 'toleubar',
      PAYMENT_GATEWAY_URL: gateway.url,
      PAYMENT_TEAM_SLUG: team.teamSlug,
      PAYMENT_TEAM_PASSWORD: team.password,
    },
    stop: () => Promise.all([provider.stop(), gateway.stop()]),
  }
}

/**
 * The simulator starts empty each run, unlike the real provider, which never forgets: orders an earlier run left
 * open would be followed forever (the new provider has never heard of them), so the bench database forgets them.
 */
async function forgetEarlierProvider(url: string) {
  const db = await openDatabase({ url })
  await db.exec('TRUNCATE provider_order, provider_selection, job, job_attempt')
  await db.close()
}

/** Outbound calls of the tickets service by target and operation, read from its /metrics. */
async function outboundCalls(): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`${service.url}/metrics`)).text()
  const calls: Record<string, Record<string, number>> = {}
  for (const match of text.matchAll(/^outbound_requests_total\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    calls[labels.target] ??= {}
    calls[labels.target][labels.operation] = (calls[labels.target][labels.operation] ?? 0) + Number(match[2])
  }
  return calls
}

/** One buyer's purchase of seats [first, first + count). */
async function purchase(index: number, { first, count }: { first: number; count: number }) {
  const auth = users[index % users.length]
  const created = await call('createBooking', 'POST', '/api/bookings', auth, { event_id: 1 })
  if (created.status !== 201) return failures.push(`create ${created.status} ${created.text}`)
  const bookingId = JSON.parse(created.text).id
  for (let seat = first; seat < first + count; seat++) {
    const selected = await call('selectSeat', 'PATCH', '/api/seats/select', auth, {
      booking_id: bookingId,
      seat_id: seat,
    })
    if (selected.status !== 200) return failures.push(`select ${seat}: ${selected.status} ${selected.text}`)
  }
  const initiated = await call('initiatePayment', 'PATCH', '/api/bookings/initiatePayment', auth, {
    booking_id: bookingId,
  })
  if (initiated.status !== 302 || !initiated.location) return failures.push(`initiate ${initiated.status}`)
  let landing: string
  if (simulators) {
    // The hosted form: shown, then submitted with the always-approved test card; 302 to our success URL.
    const form = new URL(initiated.location)
    gatewayPools[form.origin] ??= new Pool(form.origin, { connections: concurrency })
    const gatewayPool = gatewayPools[form.origin]
    const shown = await gatewayPool.request({ method: 'GET', path: form.pathname })
    await shown.body.text()
    const submitted = await gatewayPool.request({
      method: 'POST',
      path: '/api/v1/paymentform/submit',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        PaymentId: form.pathname.split('/').pop()!,
        CardNumber: '4111111111111111',
        ExpiryDate: '12/30',
        Cvv: '123',
        CardholderName: 'BENCH BUYER',
      }).toString(),
    })
    await submitted.body.text()
    calls.gatewayForm = (calls.gatewayForm ?? 0) + 2
    if (submitted.statusCode !== 302) return failures.push(`pay ${submitted.statusCode}`)
    landing = submitted.headers.location as string
  } else {
    const paid = await call('gatewayPay', 'POST', `${new URL(initiated.location).pathname}/pay`)
    if (paid.status !== 303 || !paid.location) return failures.push(`pay ${paid.status}`)
    landing = paid.location
  }
  const back = new URL(landing)
  const success = await call('successCallback', 'GET', `${back.pathname}${back.search}`)
  if (success.status !== 200 || JSON.parse(success.text).booking_status !== 'CONFIRMED') {
    failures.push(`success ${success.status} ${success.text}`)
  }
}

let result: Record<string, unknown>
try {
  const resetAt = Date.now() / 1000
  await call('reset', 'POST', '/api/reset')
  // The reset answers at once; places the provider has freed since the last run come back with the reload after it.
  if (sims) await placesLoaded(service.url, resetAt)
  const purchases = plan()
  let next = 0
  const started = performance.now()
  let lastReport = started
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < purchases.length) {
        const index = next++
        await purchase(index, purchases[index])
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now()
          const done = purchases[Math.min(next, purchases.length) - 1].first
          process.stderr.write(
            `${done.toLocaleString('en')} seats sold, ${Math.round(done / ((lastReport - started) / 1000))}/s\n`,
          )
        }
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const outbound = await outboundCalls()
  const db = await openDatabase({ url: env.DATABASE_URL })
  const { rows } = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM seat_claim WHERE event_id = 1 AND status = 'SOLD') AS sold,
       (SELECT count(DISTINCT seat_id)::int FROM seat_claim WHERE event_id = 1) AS "distinctSeats",
       (SELECT count(*)::int FROM booking WHERE event_id = 1 AND status = 'CONFIRMED') AS confirmed,
       (SELECT count(*)::int FROM (SELECT c.booking_id FROM seat_claim c JOIN booking b ON b.id = c.booking_id
          WHERE b.status <> 'CONFIRMED') x) AS "claimsOutsideConfirmed",
       (SELECT COALESCE(sum(amount), 0)::bigint FROM payment WHERE status = 'PAID') AS "paidTiyn"`,
  )
  await db.close()
  const analytics = await (await fetch(`${service.url}/api/analytics?id=1`)).json()
  // Reset with the stadium sold out: everything must be FREE again, fast.
  const resetStarted = performance.now()
  const reset = await call('reset', 'POST', '/api/reset')
  const resetMs = round2(performance.now() - resetStarted)
  const afterReset = await (await fetch(`${service.url}/api/analytics?id=1`)).json()
  const check = rows[0]
  const ticketsPerSecond = round2(SEATS / seconds)
  const pass =
    failures.length === 0 &&
    check.sold === SEATS &&
    check.distinctSeats === SEATS &&
    check.claimsOutsideConfirmed === 0 &&
    check.paidTiyn === FACE_VALUE_TIYN &&
    analytics.free_seats === 0 &&
    reset.status === 200 &&
    resetMs < 2_000 &&
    // The provider is never reset: its sold places stay unavailable after ours.
    afterReset.free_seats === (simulators ? 0 : SEATS) &&
    afterReset.bookings_count === 0
  result = {
    bench: 'full-sale',
    concurrency,
    perBooking,
    workers,
    seconds: round2(seconds),
    ticketsPerSecond,
    legendNeedPerSecond: round2(LEGEND_NEED_PER_SECOND),
    timesLegendNeed: round2(ticketsPerSecond / LEGEND_NEED_PER_SECOND),
    requests: Object.values(calls).reduce((a, b) => a + b, 0),
    calls,
    outbound,
    bookings: purchases.length,
    failures: failures.slice(0, 5),
    failureCount: failures.length,
    db: check,
    analytics,
    resetMs,
    afterReset,
    pass,
  }
} finally {
  await pool.close()
  await Promise.all(Object.values(gatewayPools).map((p) => p.close()))
  await service.stop()
  await sims?.stop()
}
process.stdout.write(`${JSON.stringify(result)}\n`)
if (!result.pass) process.exitCode = 1
