/**
 * The HackLoad booking test's buyers: N buyers in parallel, each repeatedly lists
 * `GET /api/seats?event_id=1&status=FREE&pageSize=5`, creates a booking and selects the first seat of its list.
 * Target: at least 99 % of the selects succeed (200), and every list holds only FREE, unique seats ≤ pageSize.
 *
 *   npm run bench -- buyers [--buyers 10] [--iterations 200]
 *
 * Unlike the HackLoad test, the buyers do not sleep 1–3 s between iterations, so each account creates and selects
 * dozens of times a second: the bench lifts the per-user rate limits (CREATE_BOOKING_LIMIT_PER_MINUTE=0,
 * SELECT_SEAT_LIMIT_PER_MINUTE=0). The caps on open bookings and held seats stay at their defaults (1 000 each),
 * which up to 1 000 iterations fit, as the HackLoad test's holdings do.
 */
import { basicAuthHeader } from '@kokdala/core'
import { Pool } from 'undici'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureBenchUsers, ensureSeeded } from './lib/database.ts'
import { startTickets } from './lib/services.ts'

const { options } = parseArgs(process.argv.slice(2))
const buyers = intOption(options, 'buyers', 10)
const iterations = intOption(options, 'iterations', 200)

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18085' }
await ensureSeeded(env, 5_000, 100_000)
const users = (await ensureBenchUsers({ url: env.DATABASE_URL }, buyers)).map((u) =>
  basicAuthHeader(u.email, u.password),
)
const service = await startTickets({ ...env, CREATE_BOOKING_LIMIT_PER_MINUTE: '0', SELECT_SEAT_LIMIT_PER_MINUTE: '0' })
const pool = new Pool(service.url, { connections: buyers })
const counts = { success: 0, conflict: 0, failed: 0, badList: 0 }

async function json(method: 'GET' | 'POST' | 'PATCH', path: string, auth: string, body?: unknown) {
  const response = await pool.request({
    method,
    path,
    headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: response.statusCode, body: (await response.body.json()) as never }
}

try {
  await pool.request({ method: 'POST', path: '/api/reset' }).then((r) => r.body.dump())
  const started = performance.now()
  await Promise.all(
    users.map(async (auth) => {
      for (let i = 0; i < iterations; i++) {
        const list = await json('GET', '/api/seats?event_id=1&status=FREE&pageSize=5', auth)
        const seats = list.body as Array<{ id: number; status: string }>
        const valid =
          list.status === 200 &&
          seats.length > 0 &&
          seats.length <= 5 &&
          seats.every((s) => s.status === 'FREE') &&
          new Set(seats.map((s) => s.id)).size === seats.length
        if (!valid) {
          counts.badList++
          continue
        }
        const booking = await json('POST', '/api/bookings', auth, { event_id: 1 })
        const selected = await json('PATCH', '/api/seats/select', auth, {
          booking_id: (booking.body as { id: number }).id,
          seat_id: seats[0].id,
        })
        if (selected.status === 200) counts.success++
        else if (selected.status === 419) counts.conflict++
        else counts.failed++
      }
    }),
  )
  const seconds = Math.round((performance.now() - started) / 10) / 100
  const attempts = counts.success + counts.conflict + counts.failed
  const successRate = Math.round((counts.success / attempts) * 10_000) / 100
  const pass = successRate >= 99 && counts.badList === 0
  process.stdout.write(
    `${JSON.stringify({ bench: 'buyers', buyers, iterations, seconds, ...counts, successRate, pass })}\n`,
  )
  if (!pass) process.exitCode = 1
} finally {
  await pool.close()
  await service.stop()
}
