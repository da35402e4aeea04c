/**
 * Helpers of the payments benchmarks (issue 10): a fresh database per invocation, the service's environment, a
 * source token, the seed's `init` body, and a pgbench run of a custom script.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { serverUrl } from './database.ts'

/** This checkout; benches run another one (a branch not merged yet) with `--checkout <dir>`. */
export const thisCheckout = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The URL of database `name` on the benchmark server, dropped and created empty: every invocation starts from the
 * same state (an empty payment table), so runs on different days compare. The service migrates it on start.
 */
export async function freshBenchDatabase(name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`)
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * The payments service's environment in the benchmarks, beside its DATABASE_URL: the load comes from one loopback
 * address and one source, far beyond any real one, so the limits made for real clients would refuse it.
 */
export function paymentsServiceEnv(): Record<string, string> {
  return { LOG_LEVEL: 'warn', PAYMENTS_PUBLIC_RATE_PER_MINUTE: '0', PAYMENTS_ADMIN_TOKEN: adminToken }
}

/** The admin endpoints' bearer token of this bench process's services. */
const adminToken = randomBytes(32).toString('base64url')

/**
 * A source's API token, created the way an operator does over HTTP: `POST /api/admin/sources/tokens` with the
 * service's admin token (`PAYMENTS_ADMIN_TOKEN` of `paymentsServiceEnv`). The answer is the only copy of the token.
 */
export async function createSourceToken(serviceUrl: string, source: string): Promise<string> {
  const response = await fetch(`${serviceUrl}/api/admin/sources/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source }),
  })
  const text = await response.text()
  if (response.status !== 201) throw new Error(`the admin endpoint answered ${response.status}: ${text}`)
  return (JSON.parse(text) as { data: { token: string } }).data.token
}

/** The seed's `POST /api/payment/init` body (its own example), with the amount and order number of request i. */
export function seedInitBody(i: number): Record<string, unknown> {
  return {
    amount: 50_000 + (i % 1_000),
    currency: 'KZT',
    description: `Оплата тура в Дубай #${12_345 + i}`,
    customer_name: 'Иванов Иван Иванович',
    customer_phone: '+77001234567',
    customer_email: 'ivan@example.com',
    // A partner's URL: nothing is sent at init (a pending payment has no event yet).
    webhook_url: 'https://partner.example.com/webhooks/payment',
    webhook_secret: 'your_secret_key_for_hmac',
    metadata: { order_id: String(12_345 + i), tour_name: 'Дубай 7 дней', customer_id: 'CU-456' },
  }
}

/**
 * pgbench with a custom script: `clients` clients, 2 threads, for `seconds`, on database `url`; returns its tps
 * (without the initial connection time, as pgbench reports it).
 */
export function pgbenchScript(url: string, script: string, clients: number, seconds: number): Promise<number> {
  const file = join(tmpdir(), `kokdala-pgbench-${process.pid}.sql`)
  writeFileSync(file, script)
  const target = new URL(url)
  const args = ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', file]
  args.push('-h', target.hostname, '-p', target.port || '5432', '-U', target.username || 'postgres')
  args.push(target.pathname.slice(1))
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { encoding: 'utf8', timeout: (seconds + 60) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pgbench failed: ${error.message}\n${stdout}\n${stderr}`))
      const tps = /tps = ([\d.]+)/.exec(stdout)
      if (!tps) return reject(new Error(`could not read pgbench output:\n${stdout}\n${stderr}`))
      resolve(Math.round(Number(tps[1])))
    })
  })
}

export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100

/** Transactions committed in the database at `url` so far, as its statistics know them. */
export async function committed(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(
      'SELECT xact_commit::int8 AS n FROM pg_stat_database WHERE datname = current_database()',
    )
    return Number(rows[0].n)
  } finally {
    await client.end()
  }
}
