import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { moduleOf, type SourceFile, sourceFiles } from './source-files.ts'

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
  const tables = writers(sourceFiles())

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
})
