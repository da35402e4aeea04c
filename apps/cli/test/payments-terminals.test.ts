import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, loadPaymentsConfig, type PaymentsApp, paymentsMigrations } from '@kokdala/payments'
import { type AdminTarget, reconcilePayments, terminals } from '../src/commands/payments-terminals.ts'

const TOKEN = 'cli-admin-token-0123456789-0123456789abcdef'

function output() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk) => {
    text += chunk
  })
  return { stream, text: () => text }
}

describe('kokdala payments terminals and reconcile', () => {
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
      overrides: { terminals: { history: { transactions: async () => [] } } },
    })
    const address = await payments.app.listen({ port: 0, host: '127.0.0.1' })
    target = { url: address, token: TOKEN }
  })
  after(async () => {
    await payments.app.close()
    await closeDb()
    process.exitCode = 0
  })

  it('adds, lists, disables and enables a terminal, never printing its token', async () => {
    const out = output()
    const options = { name: 'Касса 1', url: 'http://127.0.0.1:9003/terminals/1', token: 'terminal-secret', camera: '1' }
    await terminals(['add'], options, target, out.stream)
    await terminals(['disable', '1'], {}, target, out.stream)
    await terminals(['list'], {}, target, out.stream)
    await terminals(['enable', '1'], {}, target, out.stream)
    const lines = out.text().trim().split('\n')
    assert.match(lines[0], /^added 1\tКасса 1\tenabled\tunknown\tfree\thttp:\/\/127\.0\.0\.1:9003\/terminals\/1/)
    assert.match(lines[1], /^disabled 1\tКасса 1\tdisabled/)
    assert.match(lines[2], /^1\tКасса 1\tdisabled/)
    assert.match(lines[3], /^enabled 1\tКасса 1\tenabled/)
    assert.ok(!out.text().includes('terminal-secret'))
  })

  it('says what the service refused, and what the command line lacks', async () => {
    await assert.rejects(
      terminals(['enable', '99'], {}, target, output().stream),
      /TERMINAL_NOT_FOUND: Терминал не найден/,
    )
    await assert.rejects(terminals(['add'], { name: 'x' }, target, output().stream), /--url is required/)
    await assert.rejects(
      terminals(['list'], {}, { ...target, token: 'wrong-token-0123456789-0123456789' }),
      /ADMIN_UNAUTHORIZED/,
    )
    await assert.rejects(terminals(['frobnicate'], {}, target), /usage/)
  })

  it('reconcile prints the report and exits 0 when nothing differs', async () => {
    const out = output()
    const report = await reconcilePayments({ from: '2025-01-01', to: '2025-01-02' }, target, out.stream)
    assert.equal(report.mismatches.length, 0)
    assert.match(out.text(), /reconciling 2025-01-01T00:00:00\.000Z – 2025-01-02T00:00:00\.000Z: 1 terminals/)
    assert.match(out.text(), /0 mismatches/)
    assert.notEqual(process.exitCode, 1)
    await assert.rejects(reconcilePayments({ from: 'soon' }, target, out.stream), /--from is not a date/)
  })
})
