import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openDatabase, sha256Hex } from '@kokdala/core'
import pg from 'pg'
import { ticketsMigrations } from '../../services/tickets/src/app.ts'

const cli = fileURLToPath(new URL('../../apps/cli/src/main.ts', import.meta.url))

/** The PostgreSQL server benchmarks use: BENCH_PG_URL, or the local one CI machines have. */
export const serverUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** The URL of database `name` on the benchmark server, created (and migrated) when missing. */
export async function benchDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const db = await openDatabase({ url: url.toString(), migrationsDir: ticketsMigrations })
  await db.close()
  return url.toString()
}

/** Benchmark buyers with known passwords, inserted (or kept) in the tickets database (a URL or a PGlite folder). */
export async function ensureBenchUsers(target: { url?: string; dataDir?: string }, count: number) {
  const db = await openDatabase(target)
  const users = Array.from({ length: count }, (_, i) => ({
    id: 2_000_000 + i,
    email: `bench_${i}@bench.kokdala`,
    password: `bench-password-${i}`,
  }))
  await db.query(
    `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at)
     SELECT id, email, hash, 'Бенч', 'Тест', now() FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, email, hash)
     ON CONFLICT (id) DO NOTHING`,
    [users.map((u) => u.id), users.map((u) => u.email), users.map((u) => sha256Hex(u.password))],
  )
  await db.close()
  return users
}

/** Runs `kokdala seed` against a database unless it already holds that many archive events. */
export async function ensureSeeded(env: Record<string, string>, users: number, archive: number) {
  const db = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: env.TICKETS_DATA_DIR,
    migrationsDir: ticketsMigrations,
  })
  const { rows } = await db.query<{ archived: number; active: number }>(
    'SELECT count(*) FILTER (WHERE archived)::int AS archived, count(*) FILTER (WHERE NOT archived)::int AS active FROM event',
  )
  await db.close()
  if (rows[0].active === 10_000 && rows[0].archived === archive) return false
  const child = spawn(process.execPath, [cli, 'seed', '--users', String(users), '--archive', String(archive)], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`seed failed with ${code}`)
  // Vacuum and analyse now: otherwise autovacuum wakes on the fresh rows during the first measured run and takes
  // a core from the service (seen as a first run 20 % slower than the next two).
  const seeded = await openDatabase({ url: env.DATABASE_URL, dataDir: env.TICKETS_DATA_DIR })
  await seeded.query('VACUUM ANALYZE')
  await seeded.close()
  return true
}
