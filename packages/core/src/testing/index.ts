import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type Database, openDatabase } from '../db.ts'

/**
 * A fresh database for one test file: PGlite in memory by default, or a new PostgreSQL database
 * (dropped on close) when TEST_DATABASE_URL is set, as CI does.
 */
export async function openTestDatabase(migrationsDir: string | string[], poolSize = 20): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) return openDatabase({ migrationsDir })
  const name = `kokdala_test_${randomBytes(6).toString('hex')}`
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const db = await openDatabase({ url: url.toString(), migrationsDir, poolSize })
  const close = db.close
  return Object.assign(db, {
    async close() {
      await close()
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  })
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A parsed response body in a test: read field by field and asserted on, so it is left untyped. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type UntypedJson = any

/**
 * One JSON request over real HTTP, as tests talk to a simulator: the status and the parsed body (if any).
 */
export async function fetchJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: UntypedJson }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : undefined }
}
