import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { type Database, dumpPgliteDataDir, openDatabase } from '../db.ts'

/**
 * Migrated empty PGlite data folders, one per set of migrations, kept for the process (a test file). Creating a
 * PGlite and migrating it takes about 3 s, starting one from such a dump about 1 s; dumping takes a fraction of a
 * second, so a file's first database is made as before, its second one dumped once migrated, and every further one
 * starts from that dump. Each database is still a fresh one of its own.
 */
const pgliteTemplates = new Map<string, { opened: number; dump?: Promise<Blob> }>()

async function openTestPglite(migrationsDir: string | string[]): Promise<Database> {
  const key = JSON.stringify(migrationsDir)
  const template = pgliteTemplates.get(key) ?? { opened: 0 }
  pgliteTemplates.set(key, template)
  if (template.dump) return openDatabase({ migrationsDir, loadDataDir: await template.dump })
  if (template.opened++ === 0) return openDatabase({ migrationsDir })
  const db = openDatabase({ migrationsDir })
  template.dump = db.then(dumpPgliteDataDir)
  // A failed dump is not kept: the next database is made as the first was.
  template.dump.catch(() => {
    template.dump = undefined
  })
  await template.dump.catch(() => {})
  return db
}

/**
 * A fresh database for one test file: PGlite in memory by default, or a new PostgreSQL database
 * (dropped on close) when TEST_DATABASE_URL is set, as CI does.
 */
export async function openTestDatabase(
  migrationsDir: string | string[],
  poolSize = 20,
): Promise<Database & { url?: string }> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) return openTestPglite(migrationsDir)
  const created = await createPostgresDatabase(adminUrl)
  const db = await openDatabase({ url: created.url, migrationsDir, poolSize })
  const close = db.close
  return Object.assign(db, {
    /** Where it is, for a test that needs a connection of its own (LISTEN). */
    url: created.url,
    async close() {
      await close()
      await created.drop()
    },
  })
}

/**
 * Where the data of a test that runs services as processes of their own lives, for those processes to open (and,
 * after one is killed, to open again): a new PostgreSQL database beside TEST_DATABASE_URL's when it is set, as CI
 * does, otherwise a PGlite data folder in a temp directory. Nothing is migrated: the processes do that.
 */
export interface TestDataLocation {
  /** The new PostgreSQL database, for `DATABASE_URL`; absent on PGlite. */
  url?: string
  /** The PGlite data folder, for a service's `…_DATA_DIR`; absent on PostgreSQL. */
  dataDir?: string
  /** Drops the database or removes the folder. */
  drop(): Promise<void>
}

export async function testDataLocation(): Promise<TestDataLocation> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (adminUrl) return createPostgresDatabase(adminUrl)
  const dataDir = await mkdtemp(join(tmpdir(), 'kokdala-test-'))
  return { dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) }
}

/** A new, empty PostgreSQL database on the server of `adminUrl`, and how to drop it. */
async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kokdala_test_${randomBytes(6).toString('hex')}`
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
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
