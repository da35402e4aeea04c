/**
 * Full sale: every one of event 1's 100 000 seats sold through the whole buyer flow — create booking, select
 * seats, initiatePayment (302), pay on the gateway's page (303 to the success URL), success callback — by
 * concurrent buyers. Afterwards the database must show 100 000 SOLD seats, each in exactly one CONFIRMED booking,
 * and revenue equal to the hall's face value; then POST /api/reset must free all of them in under 2 s. Reports wall time and tickets/s against the legend's need:
 * 80 % of the tickets within 4 hours.
 *
 *   npm run bench -- full-sale [--concurrency 64] [--seats-per-booking 10] [--workers 1]
 */
import { basicAuthHeader, openDatabase } from '@kokdala/core'
import { Pool } from 'undici'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureBenchUsers, ensureSeeded } from './lib/database.ts'
import { startTickets } from './lib/services.ts'
import { round2 } from './lib/stats.ts'

const { options } = parseArgs(process.argv.slice(2))
const concurrency = intOption(options, 'concurrency', 64)
const perBooking = intOption(options, 'seats-per-booking', 10)
const workers = intOption(options, 'workers', 1)
const SEATS = 100_000
const FACE_VALUE_TIYN = 14_000_000_000 * 100
const LEGEND_NEED_PER_SECOND = (0.8 * SEATS) / (4 * 3600)

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18083' }
await ensureSeeded(env, 5_000, 100_000)
const users = (await ensureBenchUsers({ url: env.DATABASE_URL }, 200)).map((u) => basicAuthHeader(u.email, u.password))
const service = await startTickets({ ...env, MAX_SEATS_PER_BOOKING: String(perBooking) }, workers)
const pool = new Pool(service.url, { connections: concurrency })
const calls: Record<string, number> = {}
const failures: string[] = []

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

/** One buyer's purchase of seats [first, first + count). */
async function purchase(index: number) {
  const auth = users[index % users.length]
  const first = index * perBooking + 1
  const created = await call('createBooking', 'POST', '/api/bookings', auth, { event_id: 1 })
  if (created.status !== 201) return failures.push(`create ${created.status} ${created.text}`)
  const bookingId = JSON.parse(created.text).id
  for (let seat = first; seat < first + perBooking && seat <= SEATS; seat++) {
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
  const paid = await call('gatewayPay', 'POST', `${new URL(initiated.location).pathname}/pay`)
  if (paid.status !== 303 || !paid.location) return failures.push(`pay ${paid.status}`)
  const back = new URL(paid.location)
  const success = await call('successCallback', 'GET', `${back.pathname}${back.search}`)
  if (success.status !== 200 || JSON.parse(success.text).booking_status !== 'CONFIRMED') {
    failures.push(`success ${success.status} ${success.text}`)
  }
}

let result: Record<string, unknown>
try {
  await call('reset', 'POST', '/api/reset')
  const purchases = Math.ceil(SEATS / perBooking)
  let next = 0
  const started = performance.now()
  let lastReport = started
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < purchases) {
        await purchase(next++)
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now()
          const done = Math.min(next, purchases) * perBooking
          process.stderr.write(
            `${done.toLocaleString('en')} seats sold, ${Math.round(done / ((lastReport - started) / 1000))}/s\n`,
          )
        }
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
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
    afterReset.free_seats === SEATS &&
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
  await service.stop()
}
process.stdout.write(`${JSON.stringify(result)}\n`)
if (!result.pass) process.exitCode = 1
