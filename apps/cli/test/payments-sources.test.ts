import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { tokens } from '../src/commands/payments-sources.ts'
import { type AdminTarget, type PaymentsForCli, printed, startPaymentsForCli } from './payments-cli.ts'

const run = (args: string[], options: Record<string, string | true>, target: AdminTarget) =>
  printed((out) => tokens(args, options, target, out))

describe('kokdala payments token', () => {
  let service: PaymentsForCli
  let payments: PaymentsForCli['payments']
  let target: AdminTarget

  before(async () => {
    service = await startPaymentsForCli()
    ;({ payments, target } = service)
  })
  after(() => service.close())

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
