import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fetchJson } from '@kokdala/core/testing'
import { createKaspiTerminalClient } from '@kokdala/kaspi'
import { defaultAccessToken } from '@kokdala/kaspi-simulator'
import { adminApi, type E2EPlatform, http, seedApi, simControl, startE2E, waitForStatus } from './e2e-harness.ts'

/**
 * Refunds in the reconciliation (issue 10, must-be-true 5) end to end: refunds through the API and the real terminal
 * pool over HTTP to the Kaspi simulator, whose control API plays the customer confirming (or not) the refund QR, and
 * the reconciliation reading the simulator's history of purchases and refunds.
 */
describe('e2e: reconciliation of refunds against the terminal’s history', () => {
  let platform: E2EPlatform
  let api: ReturnType<typeof seedApi>
  let admin: ReturnType<typeof adminApi>
  let token: string

  before(async () => {
    platform = await startE2E({ terminals: 1 })
    admin = adminApi(platform.url)
    ;({ token } = await admin.sourceToken('byfly'))
    api = seedApi(platform.url, token)
  })
  after(() => platform?.close())

  const refund = (id: string, amount: number) =>
    http(platform.url, 'POST', `/api/payment/${id}/refund`, { amount }, { 'x-api-token': token })
  const confirmRefund = async () => {
    const answer = await fetchJson(platform.sim.url, 'POST', '/__sim/terminals/1/confirm-refund')
    assert.equal(answer.status, 200, JSON.stringify(answer.json))
    return answer.json
  }

  it('matches confirmed refunds by the terminal’s refund id; finds an unconfirmed one and one made by hand', async () => {
    const created = await api.init({ amount: 10_000 })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.data.transaction_id
    const started = await api.kaspi(id, 'kaspi_gold')
    assert.equal(started.status, 200, JSON.stringify(started.body))
    const paid = await simControl(platform.sim.url).pay(started.body.data.terminal_id)
    await waitForStatus(api, id, ['paid'])

    // 3 000 refunded through the API, and the customer confirms the refund QR: both sides agree.
    assert.equal((await refund(id, 3_000)).status, 200)
    const confirmed = await confirmRefund()
    // 1 000 refunded on the terminal by hand: the ledger knows nothing of it.
    const byHand = createKaspiTerminalClient({
      baseUrl: `${platform.sim.url}/terminals/1`,
      accessToken: defaultAccessToken('1'),
    })
    await byHand.refund({ method: 'qr', amountTenge: 1_000, transactionId: paid.transactionId })
    const stranger = await confirmRefund()
    await byHand.close()
    // 2 000 refunded through the API, never confirmed on the terminal: the ledger says given back, the terminal not.
    const unconfirmed = await refund(id, 2_000)
    assert.equal(unconfirmed.status, 200, JSON.stringify(unconfirmed.body))
    assert.equal(unconfirmed.body.data.status, 'partially_refunded')

    // Each ledger refund row holds the terminal's refund process id.
    const { rows } = await platform.db.query<{ gross: string; reference: string | null }>(
      `SELECT gross_tiyn::text AS gross, terminal_reference AS reference FROM payment_entry WHERE kind = 'refund' ORDER BY id`,
    )
    assert.equal(rows.length, 2)
    assert.deepEqual(rows[0], { gross: '300000', reference: confirmed.processId })
    assert.match(String(rows[1].reference), /\S/)
    // And each terminal refund names the ledger row it carries out.
    const linked = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM kaspi_terminal_refund r JOIN payment_entry e ON e.id = r.entry_id
       WHERE e.terminal_reference = r.process_id`,
    )
    assert.equal(linked.rows[0].n, 2)

    const answer = await admin.send('GET', '/api/admin/terminals/reconcile')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const report = answer.body.data
    assert.deepEqual([report.terminals, report.transactions, report.captures, report.refunds], [1, 3, 1, 2])
    assert.deepEqual(report.unreadable, [])
    const byKind = Object.fromEntries(report.mismatches.map((m: { kind: string }) => [m.kind, m]))
    assert.deepEqual(Object.keys(byKind).sort(), ['missing_refund', 'unknown_refund'])
    assert.deepEqual(byKind.unknown_refund, {
      kind: 'unknown_refund',
      terminal_id: 1,
      transaction_id: stranger.transactionId,
      amount: 1_000,
    })
    assert.equal(byKind.missing_refund.terminal_id, 1)
    assert.equal(byKind.missing_refund.amount, 2_000)
    assert.equal(byKind.missing_refund.refund_reference, rows[1].reference)
  })
})
