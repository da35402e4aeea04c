/**
 * Seat selects/s through the whole HTTP path (Basic Auth, validation, the select_seats function) next to
 * pgbench's single-row UPDATE rate on the same PostgreSQL server in the same run. Target ratio ≥ 0.5.
 *
 *   npm run bench -- select-vs-pgbench [--seconds 15] [--workers 1] [--concurrency 64]
 *
 * Its 100 accounts each select about 40 seats a second and hold several hundred seats of event 1 by the end, far
 * beyond any person: the bench lifts the per-user select rate limit and the per-user cap on held seats
 * (SELECT_SEAT_LIMIT_PER_MINUTE=0, MAX_RESERVED_SEATS_PER_USER=0). It measures the select path without them; with
 * the cap on, select_seats adds one advisory lock and one count of the user's held seats per user and batch.
 */

import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { basicAuthHeader } from '@kokdala/core'
import pg from 'pg'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureBenchUsers, ensureSeeded } from './lib/database.ts'
import { runLoad } from './lib/load.ts'
import { startTickets } from './lib/services.ts'

const { options } = parseArgs(process.argv.slice(2))
const seconds = intOption(options, 'seconds', 15)
// One process by default: on a 2-core machine the load generator and PostgreSQL need the other core.
const workers = intOption(options, 'workers', 1)
const concurrency = intOption(options, 'concurrency', 64)
const BOOKINGS = 1_000

/** pgbench: `concurrency` clients updating random rows of a 100 000-row table for `seconds`. */
async function pgbenchUpdates(): Promise<number> {
  const url = await benchDatabase('kokdala_bench_pgbench')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('CREATE TABLE IF NOT EXISTS bench_seat (id integer PRIMARY KEY, v integer NOT NULL)')
  await client.query('INSERT INTO bench_seat SELECT g, 0 FROM generate_series(1, 100000) g ON CONFLICT DO NOTHING')
  await client.end()
  const script = join(tmpdir(), 'kokdala-pgbench-update.sql')
  writeFileSync(script, '\\set id random(1, 100000)\nUPDATE bench_seat SET v = v + 1 WHERE id = :id;\n')
  const target = new URL(url)
  const output = execFileSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(concurrency),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      script,
      '-h',
      target.hostname,
      '-p',
      target.port || '5432',
      '-U',
      target.username || 'postgres',
      target.pathname.slice(1),
    ],
    { encoding: 'utf8' },
  )
  const tps = /tps = ([\d.]+)/.exec(output)
  if (!tps) throw new Error(`could not read pgbench output:\n${output}`)
  return Math.round(Number(tps[1]))
}

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18082' }
await ensureSeeded(env, 5_000, 100_000)
const users = await ensureBenchUsers({ url: env.DATABASE_URL }, 100)
const service = await startTickets(
  { ...env, MAX_SEATS_PER_BOOKING: '1000', MAX_RESERVED_SEATS_PER_USER: '0', SELECT_SEAT_LIMIT_PER_MINUTE: '0' },
  workers,
)
let selects: Awaited<ReturnType<typeof runLoad>>
try {
  await fetch(`${service.url}/api/reset`, { method: 'POST' })
  const auth = users.map((u) => basicAuthHeader(u.email, u.password))
  const created = await runLoad({
    url: service.url,
    concurrency: 16,
    requests: BOOKINGS,
    request: (i) => ({
      method: 'POST',
      path: '/api/bookings',
      headers: { authorization: auth[i % auth.length] },
      body: { event_id: 1 },
    }),
  })
  if (created.statuses['201'] !== BOOKINGS) throw new Error(`bookings not created: ${JSON.stringify(created.statuses)}`)
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL })
  const { rows } = await pool.query<{ id: number; user_id: string }>('SELECT id, user_id FROM booking ORDER BY id')
  await pool.end()
  const owner = new Map(users.map((u, i) => [String(u.id), auth[i]]))
  // Request i puts seat i + 1 into booking i mod 1000: every select is a distinct seat, so every one must succeed.
  selects = await runLoad({
    url: service.url,
    concurrency,
    requests: 100_000,
    durationMs: seconds * 1000,
    request: (i) => {
      const booking = rows[i % rows.length]
      return {
        method: 'PATCH',
        path: '/api/seats/select',
        headers: { authorization: owner.get(String(booking.user_id))! },
        body: { booking_id: booking.id, seat_id: i + 1 },
      }
    },
  })
} finally {
  await service.stop()
}
process.stderr.write(`selects: ${JSON.stringify(selects)}\n`)
const pgbenchTps = await pgbenchUpdates()
process.stderr.write(`pgbench single-row updates: ${pgbenchTps} tps\n`)
const ratio = Math.round((selects.rps / pgbenchTps) * 100) / 100
const pass = ratio >= 0.5 && selects.statuses['200'] === selects.requests
process.stdout.write(
  `${JSON.stringify({ bench: 'select-vs-pgbench', seconds, workers, concurrency, selects, pgbenchTps, ratio, pass })}\n`,
)
if (!pass) process.exitCode = 1
