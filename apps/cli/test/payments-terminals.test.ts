import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TerminalTransaction } from '../../../services/payments/src/modules/terminals/reconcile.ts'
import { reconcilePayments, terminals } from '../src/commands/payments-terminals.ts'
import { type AdminTarget, output, type PaymentsForCli, startPaymentsForCli } from './payments-cli.ts'

describe('kokdala payments terminals and reconcile', () => {
  let service: PaymentsForCli
  let target: AdminTarget
  /** What every terminal's history shows. */
  let history: TerminalTransaction[] = []

  before(async () => {
    service = await startPaymentsForCli({
      overrides: { terminals: { history: { transactions: async () => history } } },
    })
    target = service.target
  })
  after(async () => {
    await service.close()
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

  it('reconcile prints a refund the terminal made that no refund of ours shows, and exits 1', async () => {
    history = [{ kind: 'refund', transactionId: 'r-1', processId: 'p-9', amountTiyn: 150_000n, at: new Date() }]
    const out = output()
    try {
      const report = await reconcilePayments({}, target, out.stream)
      assert.equal(report.mismatches.length, 1)
      assert.match(out.text(), /1 terminals, 1 transactions, 0 captured attempts, 0 refunds/)
      assert.match(
        out.text(),
        /unknown_refund: refunded on the terminal, no refund of ours — terminal 1, transaction r-1: 1500 ₸/,
      )
      assert.equal(process.exitCode, 1)
    } finally {
      history = []
      process.exitCode = 0
    }
  })

  it('reconcile --list prints the daily runs, newest first, and exits 1 when the newest found a mismatch', async () => {
    const empty = output()
    assert.deepEqual(await reconcilePayments({ list: true }, target, empty.stream), [])
    assert.equal(empty.text(), 'no daily reconciliation has run yet\n')
    const { schedule } = service.payments.services.terminals
    const first = await schedule.tick()
    assert.equal(first.ran, true)
    const out = output()
    const runs = await reconcilePayments({ list: true, limit: '5' }, target, out.stream)
    assert.equal(runs.length, 1)
    assert.match(out.text(), new RegExp(`^${first.day}\tdone\t0 mismatches, 0 unreadable\t\\S+ – \\S+\n$`))
    assert.notEqual(process.exitCode, 1)

    // The newest run found a refund nobody made here.
    history = [{ kind: 'refund', transactionId: 'r-2', amountTiyn: 100n, at: new Date() }]
    await service.db.exec('DELETE FROM terminal_reconciliation')
    try {
      await schedule.tick()
      const flagged = output()
      await reconcilePayments({ list: true }, target, flagged.stream)
      assert.match(flagged.text(), /\tdone\t1 mismatches, 0 unreadable\t/)
      assert.equal(process.exitCode, 1)
    } finally {
      history = []
      process.exitCode = 0
    }
    await assert.rejects(reconcilePayments({ list: true, limit: '0' }, target, out.stream), /--limit/)
  })
})
