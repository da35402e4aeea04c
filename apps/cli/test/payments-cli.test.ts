import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import type { Database } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { createSources, paymentsMigrations } from '@kokdala/payments'
import { payments } from '../src/commands/payments.ts'

/** Runs `kokdala payments …` on the test database and returns what it printed. */
async function run(db: Database, args: string[], options: Record<string, string | true> = {}): Promise<string> {
  let text = ''
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk)
      done()
    },
  })
  // The command closes its database; the test keeps using this one.
  await payments(args, options, out, async () => ({ ...db, close: async () => {} }) as Database)
  return text
}

describe('kokdala payments token', () => {
  let db: Database
  before(async () => {
    db = await openTestDatabase(paymentsMigrations)
  })
  after(() => db.close())

  test('create prints a 64-character token once; it verifies; list shows prefixes only', async () => {
    const printed = await run(db, ['token', 'create'], { source: 'byfly' })
    const token = printed.split('\n')[1]
    assert.equal(token.length, 64)
    const { tokens } = createSources(db)
    assert.equal((await tokens.verify(token))?.subject.startsWith('source:'), true)
    const listed = await run(db, ['token', 'list'])
    assert.match(listed, /^byfly \(id \d+/)
    assert.ok(listed.includes(token.slice(0, 12)) && !listed.includes(token.slice(12)))
  })

  test('rotate replaces the token and revoke ends it', async () => {
    const old = (await run(db, ['token', 'create'], { source: 'club' })).split('\n')[1]
    const rotated = await run(db, ['token', 'rotate'], { source: 'club' })
    const fresh = rotated.split('\n')[1]
    assert.match(rotated, /1 older token\(s\) revoked/)
    const { tokens } = createSources(db)
    assert.equal(await tokens.verify(old), undefined)
    assert.ok(await tokens.verify(fresh))
    assert.match(await run(db, ['token', 'revoke'], { source: 'club' }), /1 token\(s\) revoked/)
    assert.equal(await createSources(db).tokens.verify(fresh), undefined)
  })

  test('a missing --source or an unknown action is refused', async () => {
    await assert.rejects(run(db, ['token', 'create']), /--source/)
    const usage = await run(db, ['token', 'explode'])
    assert.match(usage, /kokdala payments token create/)
    process.exitCode = 0
  })
})
