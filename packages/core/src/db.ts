import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { parse as parsePgArray } from 'postgres-array'
import { lockUntilCommit, MIGRATION_LOCK } from './locks.ts'

export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>
}

/**
 * Connections of the pool and the queries waiting for one. `poolStats()` may return a live view whose fields are
 * read at access time (the PostgreSQL pool does), so a check that runs on every request allocates nothing.
 */
export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly waiting: number
}

/** PGlite or PostgreSQL behind one interface: services write SQL once and run on both. */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Bulk-loads rows in PostgreSQL text COPY format; each chunk is a batch of complete lines. */
  copyRows(table: string, columns: string[], chunks: AsyncIterable<string> | Iterable<string>): Promise<void>
  poolStats(): PoolStats
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** `postgres://…` for PostgreSQL; otherwise PGlite in `dataDir`, or in memory when that is absent too. */
  url?: string
  dataDir?: string
  poolSize?: number
  /** Folders of `*.sql` files applied at open, folder by folder in file-name order; each file once. */
  migrationsDir?: string | string[]
  /** PGlite in memory only: start from this dump of a data folder (`dumpPgliteDataDir`) instead of an empty one. */
  loadDataDir?: Blob
}

const INT8 = 20
// pg's type list names only scalar types, not their arrays.
const INT8_ARRAY = 1016 as unknown as Parameters<typeof pg.types.setTypeParser>[0]

/** int8 columns come back as numbers: ids and tiyn stay far below 2^53, and beyond that we refuse to lose digits. */
function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} exceeds the safe integer range`)
  return value
}

pg.types.setTypeParser(INT8, parseInt8)
// PGlite parses int8[] elements with the int8 parser; pg would give strings. Both give numbers.
pg.types.setTypeParser(INT8_ARRAY, (text: string) => parsePgArray(text, parseInt8))

/** Opens PGlite or PostgreSQL and applies the service's migrations. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db = options.url
    ? openPostgres(options.url, options.poolSize ?? 20)
    : await openPglite(options.dataDir, options.loadDataDir)
  if (options.migrationsDir) await migrate(db, options.migrationsDir)
  return db
}

const pgliteOf = new WeakMap<Database, PGlite>()

/** A PGlite database's data folder as one uncompressed tarball, for `loadDataDir` (a template of test databases). */
export async function dumpPgliteDataDir(db: Database): Promise<Blob> {
  const lite = pgliteOf.get(db)
  if (!lite) throw new Error('dumpPgliteDataDir needs a PGlite database')
  return lite.dumpDataDir('none')
}

function openPostgres(url: string, poolSize: number): Database {
  // Services run short OLTP statements; JIT compiling one costs ~100 ms, far more than the statement itself.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: '-c jit=off' })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Parameterised statements are prepared once per connection and reused: the server skips parsing and
  // planning on hot paths. The set of distinct statements is small and fixed by the code, so names stay bounded.
  const statementNames = new Map<string, string>()
  const statementName = (sql: string) => {
    let name = statementNames.get(sql)
    if (!name) {
      name = `s${statementNames.size}`
      statementNames.set(sql, name)
    }
    return name
  }
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = params?.length
        ? await client.query({ name: statementName(sql), text: sql, values: params })
        : await client.query(sql)
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length }
    },
    async exec(sql: string) {
      await client.query(sql)
    },
  })
  const poolStats: PoolStats = {
    get total() {
      return pool.totalCount
    },
    get idle() {
      return pool.idleCount
    },
    get waiting() {
      return pool.waitingCount
    },
  }
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    async copyRows(table, columns, chunks) {
      const client = await pool.connect()
      try {
        const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`))
        const done = new Promise<void>((resolve, reject) => {
          stream.on('finish', resolve)
          stream.on('error', reject)
        })
        for await (const chunk of chunks) {
          if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve))
        }
        stream.end()
        await done
      } finally {
        client.release()
      }
    },
    poolStats: () => poolStats,
    close: () => pool.end(),
  }
}

/** PGlite is one in-process connection that queues queries itself; nothing waits on a pool. */
const pgliteStats: PoolStats = Object.freeze({ total: 1, idle: 1, waiting: 0 })

async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true })
  const lite = await PGlite.create(dataDir, { parsers: { [pgliteTypes.INT8]: parseInt8 }, loadDataDir })
  type LiteTx = Parameters<Parameters<PGlite['transaction']>[0]>[0]
  const wrap = (target: PGlite | LiteTx): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await target.query<R>(sql, params)
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
    },
    async exec(sql: string) {
      await target.exec(sql)
    },
  })
  const db: Database = {
    kind: 'pglite',
    ...wrap(lite),
    transaction: (fn) => lite.transaction((tx) => fn(wrap(tx))),
    async copyRows(table, columns, chunks) {
      for await (const chunk of chunks) {
        await lite.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], { blob: new Blob([chunk]) })
      }
    },
    poolStats: () => pgliteStats,
    close: () => lite.close(),
  }
  pgliteOf.set(db, lite)
  return db
}

/** Applies `*.sql` files that have not run yet, under a lock so concurrent starts do not race. */
export async function migrate(db: Database, dirs: string | string[]): Promise<string[]> {
  const files: { name: string; path: string }[] = []
  for (const dir of [dirs].flat()) {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
    files.push(...names.map((name) => ({ name, path: join(dir, name) })))
  }
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await lockUntilCommit(tx, MIGRATION_LOCK)
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const applied = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migration')).rows.map((r) => r.name),
    )
    const ran: string[] = []
    for (const file of files) {
      if (applied.has(file.name)) continue
      await tx.exec(await readFile(file.path, 'utf8'))
      await tx.query('INSERT INTO schema_migration (name) VALUES ($1)', [file.name])
      ran.push(file.name)
    }
    return ran
  })
}

/** Escapes one value for PostgreSQL's text COPY format. */
export function copyField(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value !== 'string') return String(value)
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}
