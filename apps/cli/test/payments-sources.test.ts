import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, loadPaymentsConfig, type PaymentsApp, paymentsMigrations } from '@kokdala/payments'
import type { AdminTarget } from '../src/commands/payments-admin-client.ts'
import { tokens } from '../src/commands/payments-sources.ts'

const TOKEN = 'cli-admin-token-0123456789-0123456789abcdef'

async function run(args: string[], options: Record<string, string | true>, target: AdminTarget): Promise<string> {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk) => {
    text += chunk
  })
  await tokens(args, options, target, out)
  return text
}

describe('kokdala payments token', () => {
  let payments: PaymentsApp
  let target: AdminTarget
  let closeDb: () => Promise<void>

  before(async () => {
    const db = await openTestDatabase(paymentsMigrations)
    closeDb = () => db.close()
    payments = await buildPaymentsApp({
      config: loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: TOKEN }),
      db,
      background: false,
    })
    target = { url: await payments.app.listen({ port: 0, host: '127.0.0.1' }), token: TOKEN }
  })
  after(async () => {
    await payments.app.close()
    await closeDb()
  })

  it('create prints a 64-character token once, which verifies; list shows its prefix only', async () => {
    const token = (await run(['create'], { source: 'byfly' }, target)).split('\n')[1]
    assert.equal(token.length, 64)
    assert.ok(await payments.services.tokens.verify(token))
    const listed = await run(['list'], {}, target)
    assert.match(listed, /^byfly \(id \d+/)
    assert.ok(listed.includes(token.slice(0, 12)) && !listed.includes(token.slice(12)))
  })

  it('rotate replaces the token, revoke ends it', async () => {
    const old = (await run(['create'], { source: 'club' }, target)).split('\n')[1]
    const rotated = await run(['rotate'], { source: 'club' }, target)
    const fresh = rotated.split('\n')[1]
    assert.match(rotated, /1 older token\(s\) revoked/)
    assert.equal(await payments.services.tokens.verify(old), undefined)
    assert.ok(await payments.services.tokens.verify(fresh))
    assert.match(await run(['revoke'], { source: 'club' }, target), /1 token\(s\) revoked/)
    assert.equal(await payments.services.tokens.verify(fresh), undefined)
  })

  it('a missing --source, an unknown source, a wrong admin token and an unknown action are errors', async () => {
    await assert.rejects(run(['create'], {}, target), /--source/)
    await assert.rejects(run(['rotate'], { source: 'nobody' }, target), /SOURCE_NOT_FOUND/)
    await assert.rejects(run(['list'], {}, { ...target, token: 'x'.repeat(40) }), /ADMIN_UNAUTHORIZED/)
    await assert.rejects(run(['explode'], {}, target), /kokdala payments token create/)
  })
})
