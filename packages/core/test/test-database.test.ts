import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Database } from '../src/index.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { openTestDatabase } from '../src/testing/index.ts'

test('each test database is fresh and migrated, also those started from the PGlite template', async () => {
  const opened: Database[] = []
  try {
    // On PGlite the first is made as always, the second becomes the template, the third and fourth start from it.
    for (let i = 1; i <= 4; i++) {
      const db = await openTestDatabase(coreMigrationsDir, 2)
      opened.push(db)
      const { rows } = await db.query<{ core: number; written: number }>(
        `SELECT count(*) FILTER (WHERE name LIKE 'core_%')::int AS core,
                count(*) FILTER (WHERE name LIKE 'written-by-test-%')::int AS written FROM schema_migration`,
      )
      assert.ok(rows[0].core > 0, `database ${i} is migrated`)
      assert.equal(rows[0].written, 0, `database ${i} holds nothing an earlier one wrote`)
      await db.query('INSERT INTO schema_migration (name) VALUES ($1)', [`written-by-test-${i}`])
    }
  } finally {
    for (const db of opened) await db.close()
  }
})
