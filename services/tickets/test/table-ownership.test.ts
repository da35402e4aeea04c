import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { moduleOf, type SourceFile, sourceFiles } from './source-files.ts'

/**
 * The module that owns each table (docs/adr/0005-one-owner-per-table.md): the only one whose repository reads it.
 * `event` and `app_user` are written by the seed, the data-set loader, and read by the module that serves them.
 */
const READERS: Record<string, string[]> = {
  booking: ['bookings'],
  hall: ['seats'],
  seat: ['seats'],
  seat_claim: ['seats'],
  payment: ['payments'],
  payment_archive: ['payments'],
  gateway_initiation: ['payments'],
  test_gateway_payment: ['payments'],
  provider_order: ['provider'],
  provider_selection: ['provider'],
  event: ['events', 'seed'],
  app_user: ['users', 'seed'],
}

/** Every table the service's migrations create. */
function schemaTables(): Set<string> {
  const dir = fileURLToPath(new URL('../migrations', import.meta.url))
  const tables = new Set<string>()
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.sql'))) {
    const text = readFileSync(`${dir}/${name}`, 'utf8')
    for (const match of text.matchAll(/\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)) tables.add(match[1])
  }
  return tables
}

/**
 * The tables a piece of SQL reads: every name after FROM, JOIN or USING (of DELETE … USING), including each of a
 * comma list (`FROM payment p, booking b`), that is a table of the schema; CTE and function names are not.
 */
function readTables(text: string, tables: Set<string>): string[] {
  const found = new Set<string>()
  const item = String.raw`\w+(?:\s+(?:AS\s+)?(?!(?:WHERE|ON|USING|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|GROUP|ORDER|LIMIT)\b)\w+)?`
  const list = new RegExp(String.raw`\b(?:FROM|JOIN|USING)\s+(${item}(?:\s*,\s*${item})*)`, 'g')
  for (const match of text.matchAll(list)) {
    for (const part of match[1].split(',')) {
      const table = part.trim().split(/\s+/)[0]
      if (tables.has(table)) found.add(table)
    }
  }
  return [...found]
}

/** Repositories reading a table their module does not own, or a table nobody was declared to own. */
function foreignReads(files: SourceFile[], tables: Set<string>): string[] {
  const violations: string[] = []
  for (const file of files.filter((f) => /(^|\/)repository\.ts$/.test(f.path))) {
    const module = moduleOf(file.path) ?? file.path
    for (const table of readTables(file.text, tables)) {
      if (!READERS[table]?.includes(module)) violations.push(`${file.path} reads ${table}`)
    }
  }
  return violations
}

/** The tables a piece of SQL writes: INSERT INTO, UPDATE … SET, DELETE FROM, TRUNCATE (every table listed). */
function writtenTables(text: string): string[] {
  const tables = new Set<string>()
  for (const match of text.matchAll(/\bINSERT\s+INTO\s+(\w+)/g)) tables.add(match[1])
  for (const match of text.matchAll(/\bUPDATE\s+(\w+)(?:\s+\w+)?\s+SET\b/g)) tables.add(match[1])
  for (const match of text.matchAll(/\bDELETE\s+FROM\s+(\w+)/g)) tables.add(match[1])
  for (const match of text.matchAll(/\bTRUNCATE\s+(\w+(?:\s*,\s*\w+)*)/g)) {
    for (const table of match[1].split(',')) tables.add(table.trim())
  }
  return [...tables]
}

/** For each table, the modules whose files write it (the seed, the data-set loader, counts as a module). */
function writers(files: SourceFile[]): Map<string, Set<string>> {
  const byTable = new Map<string, Set<string>>()
  for (const file of files) {
    const owner = moduleOf(file.path) ?? file.path
    for (const table of writtenTables(file.text)) {
      if (!byTable.has(table)) byTable.set(table, new Set())
      byTable.get(table)!.add(owner)
    }
  }
  return byTable
}

describe('one owner per table', () => {
  const files = sourceFiles()
  const tables = writers(files)
  const schema = schemaTables()

  test('every table is written by exactly one module', () => {
    const shared = [...tables].filter(([, modules]) => modules.size > 1).map(([table, m]) => `${table}: ${[...m]}`)
    assert.deepEqual(shared, [])
  })

  test('each table belongs to the module docs/adr/0005-one-owner-per-table.md names', () => {
    const owners = Object.fromEntries([...tables].map(([table, modules]) => [table, [...modules].join()]))
    assert.deepEqual(
      {
        booking: owners.booking,
        seat_claim: owners.seat_claim,
        seat: owners.seat,
        hall: owners.hall,
        payment: owners.payment,
        payment_archive: owners.payment_archive,
        gateway_initiation: owners.gateway_initiation,
        test_gateway_payment: owners.test_gateway_payment,
        provider_order: owners.provider_order,
        provider_selection: owners.provider_selection,
        app_user: owners.app_user,
        event: owners.event,
      },
      {
        booking: 'bookings',
        seat_claim: 'seats',
        seat: 'seats',
        hall: 'seats',
        payment: 'payments',
        payment_archive: 'payments',
        gateway_initiation: 'payments',
        test_gateway_payment: 'payments',
        provider_order: 'provider',
        provider_selection: 'provider',
        app_user: 'seed',
        event: 'seed',
      },
    )
  })

  test('the writer scan sees every kind of write, and two modules writing one table', () => {
    const files: SourceFile[] = [
      { path: 'modules/seats/repository.ts', text: "db.query('DELETE FROM seat_claim WHERE seat_id = $1')" },
      { path: 'modules/provider/repository.ts', text: 'db.query(`INSERT INTO seat_claim (seat_id) VALUES ($1)`)' },
      { path: 'modules/bookings/repository.ts', text: "db.query('UPDATE booking b SET status = $2')" },
      { path: 'modules/payments/repository.ts', text: "db.exec('TRUNCATE payment, gateway_initiation')" },
    ]
    const found = writers(files)
    assert.deepEqual([...found.get('seat_claim')!].sort(), ['provider', 'seats'])
    assert.deepEqual([...found.get('booking')!], ['bookings'])
    assert.deepEqual([...found.get('gateway_initiation')!], ['payments'])
  })

  test('every table of the schema has a declared owner, and the map names only tables of the schema', () => {
    assert.ok(schema.has('booking') && schema.has('seat_claim') && schema.has('payment_archive'))
    assert.deepEqual([...schema].sort(), Object.keys(READERS).sort())
  })

  test('no repository reads another module’s table (FROM, JOIN, USING)', () => {
    assert.deepEqual(foreignReads(files, schema), [])
  })

  test('the reader scan sees joins, subqueries, comma lists and DELETE … USING, and skips CTEs and functions', () => {
    const violating: SourceFile[] = [
      {
        path: 'modules/bookings/repository.ts',
        text: 'db.query(`SELECT b.id FROM booking b LEFT JOIN seat_claim c ON c.booking_id = b.id`)',
      },
      {
        path: 'modules/payments/repository.ts',
        text: 'db.query(`SELECT 1 FROM payment p, booking AS b WHERE EXISTS (SELECT 1 FROM seat s)`)',
      },
      { path: 'modules/provider/repository.ts', text: "db.query('DELETE FROM provider_order o USING booking b')" },
      { path: 'modules/analytics/repository.ts', text: "db.query('SELECT rows FROM hall WHERE event_id = $1')" },
    ]
    assert.deepEqual(foreignReads(violating, schema), [
      'modules/bookings/repository.ts reads seat_claim',
      'modules/payments/repository.ts reads booking',
      'modules/payments/repository.ts reads seat',
      'modules/provider/repository.ts reads booking',
      'modules/analytics/repository.ts reads hall',
    ])
    const clean: SourceFile = {
      path: 'modules/seats/repository.ts',
      text: `WITH page AS (SELECT * FROM unnest($1::bigint[]) AS p(seat_id)), booking_ids AS (SELECT 1)
        DELETE FROM seat_claim c USING page p WHERE c.seat_id = p.seat_id;
        SELECT s.id FROM seat s JOIN seat_claim c USING (seat_id) FROM booking_ids`,
    }
    assert.deepEqual(foreignReads([clean], schema), [])
  })
})
