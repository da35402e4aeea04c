/**
 * Contention: 500 concurrent clients race for 100 seats of event 1 (five clients per seat, all at once).
 * Exactly 100 selects must succeed, every other answer must be 419, and the database must show each seat in at
 * most one booking. Runs on PGlite (one process), PostgreSQL (one process) and PostgreSQL with two processes.
 *
 *   npm run bench -- contention [--modes pglite,pg,pg2]
 *
 * Every account creates one booking and selects one seat, so the default per-user limits apply unchanged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { basicAuthHeader, openDatabase } from '@kokdala/core'
import { parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureBenchUsers, ensureSeeded } from './lib/database.ts'
import { runLoad } from './lib/load.ts'
import { startTickets } from './lib/services.ts'

const CLIENTS = 500
const SEATS = 100

async function race(mode: string, env: Record<string, string>, workers: number) {
  await ensureSeeded(env, 100, 0)
  const target = { url: env.DATABASE_URL, dataDir: env.TICKETS_DATA_DIR }
  const users = await ensureBenchUsers(target, CLIENTS)
  const service = await startTickets({ ...env, MAX_SEATS_PER_BOOKING: '10' }, workers)
  try {
    await fetch(`${service.url}/api/reset`, { method: 'POST' })
    const auth = users.map((u) => basicAuthHeader(u.email, u.password))
    const bookings: number[] = []
    for (const header of auth) {
      const response = await fetch(`${service.url}/api/bookings`, {
        method: 'POST',
        headers: { authorization: header, 'content-type': 'application/json' },
        body: JSON.stringify({ event_id: 1 }),
      })
      bookings.push(((await response.json()) as { id: number }).id)
    }
    const result = await runLoad({
      url: service.url,
      concurrency: CLIENTS,
      requests: CLIENTS,
      request: (i) => ({
        method: 'PATCH',
        path: '/api/seats/select',
        headers: { authorization: auth[i] },
        body: { booking_id: bookings[i], seat_id: (i % SEATS) + 1 },
      }),
    })
    await service.stop()
    const db = await openDatabase(target)
    const { rows } = await db.query<{ claims: number; bookings: number; seatCount: number; doubled: number }>(
      `SELECT (SELECT count(*)::int FROM seat_claim WHERE seat_id <= $1) AS claims,
         (SELECT count(DISTINCT booking_id)::int FROM seat_claim WHERE seat_id <= $1) AS bookings,
         (SELECT count(*)::int FROM seat_claim WHERE booking_id = ANY($2::bigint[])) AS "seatCount",
         (SELECT count(*)::int FROM (SELECT seat_id FROM seat_claim GROUP BY seat_id HAVING count(*) > 1) d) AS doubled`,
      [SEATS, bookings],
    )
    await db.close()
    const ok = result.statuses['200'] ?? 0
    const conflicts = result.statuses['419'] ?? 0
    const check = rows[0]
    const pass =
      ok === SEATS &&
      conflicts === CLIENTS - SEATS &&
      check.claims === SEATS &&
      check.bookings === SEATS &&
      check.seatCount === SEATS &&
      check.doubled === 0
    return {
      mode,
      workers,
      clients: CLIENTS,
      seats: SEATS,
      statuses: result.statuses,
      p99ms: result.p99ms,
      db: check,
      pass,
    }
  } finally {
    await service.stop()
  }
}

const { options } = parseArgs(process.argv.slice(2))
const modes = String(options.modes ?? 'pglite,pg,pg2').split(',')
const results = []
for (const mode of modes) {
  if (mode === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'kokdala-contention-'))
    try {
      results.push(await race(mode, { TICKETS_DATA_DIR: dir, TICKETS_PORT: '18081' }, 1))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  } else {
    const url = await benchDatabase('kokdala_bench_contention')
    results.push(await race(mode, { DATABASE_URL: url, TICKETS_PORT: '18081' }, mode === 'pg2' ? 2 : 1))
  }
  process.stderr.write(`${JSON.stringify(results.at(-1))}\n`)
}
process.stdout.write(`${JSON.stringify({ bench: 'contention', results, pass: results.every((r) => r.pass) })}\n`)
if (!results.every((r) => r.pass)) process.exitCode = 1
