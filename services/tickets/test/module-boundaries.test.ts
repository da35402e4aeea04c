import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { importsOf, moduleOf, type SourceFile, sourceFiles } from './source-files.ts'

/**
 * Imports that break table ownership (docs/adr/0005-one-owner-per-table.md): a module importing another module's
 * repository, or a wiring file other than services.ts importing any repository.
 */
function repositoryImportViolations(files: SourceFile[]): string[] {
  const violations: string[] = []
  for (const file of files) {
    for (const target of importsOf(file)) {
      if (!/(^|\/)repository\.ts$/.test(target)) continue
      const from = moduleOf(file.path)
      const owner = moduleOf(target)
      const allowed = from === undefined ? file.path === 'services.ts' : from === owner
      if (!allowed) violations.push(`${file.path} imports ${target}`)
    }
  }
  return violations
}

/** SQL in a file that is not a repository: statements that read or write tables. */
const SQL = /\b(SELECT\b[^`'"]*?\bFROM\s+\w|INSERT\s+INTO\s+\w|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\s+\w|TRUNCATE\s+\w)/

/** Source files with SQL outside a repository. */
function sqlOutsideRepositories(files: SourceFile[]): string[] {
  return files
    .filter((file) => !file.path.endsWith('repository.ts'))
    .filter((file) => SQL.test(file.text))
    .map((file) => `${file.path}: ${SQL.exec(file.text)![0]}`)
}

describe('module boundaries', () => {
  const files = sourceFiles()

  test('the source tree is found and has modules with repositories', () => {
    assert.ok(files.some((file) => file.path === 'modules/bookings/repository.ts'))
    assert.ok(files.some((file) => file.path === 'modules/payments/repository.ts'))
  })

  test('no module imports another module’s repository, and only services.ts wires repositories', () => {
    assert.deepEqual(repositoryImportViolations(files), [])
  })

  test('the import check catches a module reaching into another one’s repository', () => {
    const reaching: SourceFile = {
      path: 'modules/payments/service.ts',
      text: "import type { BookingRow } from '../bookings/repository.ts'\nimport { x } from './repository.ts'",
    }
    assert.deepEqual(repositoryImportViolations([reaching]), [
      'modules/payments/service.ts imports modules/bookings/repository.ts',
    ])
    const app: SourceFile = { path: 'app.ts', text: "import { a } from './modules/seats/repository.ts'" }
    assert.deepEqual(repositoryImportViolations([app]), ['app.ts imports modules/seats/repository.ts'])
  })

  test('no SQL outside repositories (and migrations, which are not TypeScript)', () => {
    assert.deepEqual(sqlOutsideRepositories(files), [])
  })

  test('app.ts only assembles: under 100 lines, no repository, no SQL', () => {
    const app = files.find((file) => file.path === 'app.ts')!
    assert.ok(app.text.split('\n').length < 100, `app.ts has ${app.text.split('\n').length} lines`)
    assert.deepEqual(repositoryImportViolations([app]), [])
    assert.deepEqual(sqlOutsideRepositories([app]), [])
  })

  test('the SQL check catches a statement in a service', () => {
    const service: SourceFile = {
      path: 'modules/system/service.ts',
      text: 'await tx.query(`DELETE FROM seat_claim WHERE booking_id = $1`, [id])',
    }
    assert.equal(sqlOutsideRepositories([service]).length, 1)
    const prose: SourceFile = {
      path: 'modules/system/service.ts',
      text: '// mostly a TRUNCATE, which takes milliseconds',
    }
    assert.equal(sqlOutsideRepositories([prose]).length, 0)
  })
})
