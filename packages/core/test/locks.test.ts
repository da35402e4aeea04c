import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Database, Queryable } from '../src/db.ts'
import { coreMigrationsDir, lockKey, lockSpaces, lockUntilCommit, MIGRATION_LOCK } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const LOCKS_FILE = 'packages/core/src/locks.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('lock spaces have distinct numbers, and keys fit PostgreSQL int4', () => {
  const keys = Object.values(lockSpaces).map((space) => space.key)
  assert.equal(new Set(keys).size, keys.length)
  assert.deepEqual(lockKey('userBookings', 42), [1, 42])
  assert.deepEqual(lockKey('userBookings', 2_147_483_647 + 5), [1, 5], 'as the SQL takes user ids: mod 2^31 − 1')
  assert.deepEqual(MIGRATION_LOCK, [0, 727_274], 'the key earlier releases took')
  const [space, id] = lockKey('jobGroup', 'cashbox:K-1')
  assert.equal(space, 3)
  assert.deepEqual(lockKey('jobGroup', 'cashbox:K-1'), [space, id], 'a text id always gives the same key')
  assert.notDeepEqual(lockKey('jobGroup', 'cashbox:K-2'), [space, id])
  assert.ok(Number.isInteger(id) && id >= -(2 ** 31) && id < 2 ** 31)
  assert.throws(() => lockKey('userBookings', -1), RangeError)
  assert.throws(() => lockKey('userBookings', 1.5), RangeError)
})

test('lockUntilCommit holds the named lock until the transaction ends', async () => {
  const advisoryLocks = async (q: Queryable) =>
    (
      await q.query<{ classid: number; objid: number }>(
        `SELECT classid::int, objid::bigint AS objid FROM pg_locks
         WHERE locktype = 'advisory' AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
    ).rows
  const during = await db.transaction(async (tx) => {
    await lockUntilCommit(tx, lockKey('userBookings', 42))
    return advisoryLocks(tx)
  })
  assert.deepEqual(during, [{ classid: 1, objid: 42 }])
  assert.deepEqual(await advisoryLocks(db), [], 'released at commit')
})

/** Advisory-lock calls in a source text, with their argument lists (one level of parentheses inside is enough). */
function advisoryCalls(text: string): string[] {
  return [...text.matchAll(/pg_(?:try_)?advisory_(?:xact_)?lock(?:_shared)?\s*\(((?:[^()]|\([^()]*\))*)\)/g)].map(
    (match) => match[1].trim(),
  )
}

/** What is wrong with one call: a number outside locks.ts, or a two-key lock not taken through it. */
function problem(file: string, args: string): string | undefined {
  const twoKeys = /^[^,]+,/.test(args)
  const first = args.split(',')[0].trim()
  if (file.endsWith('.sql')) {
    if (!twoKeys) return /^\d/.test(first) ? 'a bare number as the lock key' : undefined
    const space = Object.entries(lockSpaces).find(([, s]) => String(s.key) === first)
    if (!space) return `space ${first} is not declared in ${LOCKS_FILE}`
    const sql: readonly string[] = 'sql' in space[1] ? space[1].sql : []
    return sql.includes(file) ? undefined : `space ${space[0]} does not list ${file} under sql`
  }
  if (twoKeys) return `two-key advisory lock outside ${LOCKS_FILE}: use lockUntilCommit(tx, lockKey(...))`
  return /^\d/.test(first) ? 'a bare number as the lock key' : undefined
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const files: string[] = []
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'data') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)))
    else if (/\.(ts|sql)$/.test(entry.name)) files.push(relative(repoRoot, path))
  }
  return files
}

test('the lock rule catches a magic number and an undeclared space', () => {
  assert.deepEqual(advisoryCalls("tx.query('SELECT pg_advisory_xact_lock(1, $1::int)', [id])"), ['1, $1::int'])
  assert.match(problem('services/x/src/a.ts', '1, $1::int') ?? '', /outside/)
  assert.match(problem('services/x/src/a.ts', '727274') ?? '', /bare number/)
  assert.equal(problem('services/x/src/a.ts', '$1::bigint'), undefined, "a service's own row id")
  assert.match(problem('services/x/migrations/9.sql', '7, k') ?? '', /not declared/)
  assert.match(problem('services/x/migrations/9.sql', '2, k') ?? '', /does not list/)
  assert.equal(problem('services/tickets/migrations/004_user_seat_cap.sql', '2, k'), undefined)
})

test('no advisory lock with a magic number outside locks.ts', async () => {
  const found: string[] = []
  for (const top of ['packages', 'services', 'apps', 'simulators', 'bench']) {
    for (const file of await sourceFiles(join(repoRoot, top))) {
      if (file === LOCKS_FILE || file.endsWith('/locks.test.ts')) continue
      for (const args of advisoryCalls(await readFile(join(repoRoot, file), 'utf8'))) {
        const wrong = problem(file, args)
        if (wrong) found.push(`${file}: (${args}): ${wrong}`)
      }
    }
  }
  assert.deepEqual(found, [])
})
