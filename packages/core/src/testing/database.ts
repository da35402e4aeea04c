import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type Database, openDatabase } from '../db.ts'

/**
 * A fresh database for one test file: PGlite in memory by default, or a new PostgreSQL database
 * (dropped on close) when TEST_DATABASE_URL is set, as CI does.
 */
export async function openTestDatabase(
  migrationsDir: string | string[],
  poolSize = 20,
): Promise<Database & { url?: string }> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) return openDatabase({ migrationsDir })
  const name = `kokdala_test_${randomBytes(6).toString('hex')}`
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const db = await openDatabase({ url: url.toString(), migrationsDir, poolSize })
  const close = db.close
  return Object.assign(db, {
    /** Where it is, for a test that needs a connection of its own (LISTEN). */
    url: url.toString(),
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
