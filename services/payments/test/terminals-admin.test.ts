import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Database } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'
import type { LedgerRefund, TerminalTransaction } from '../src/modules/terminals/reconcile.ts'
import { createFakeFleet } from './terminals-fake.ts'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef-0123456789'
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe('terminals admin API and reconciliation', () => {
  let db: Database
  let payments: PaymentsApp
  const fleet = createFakeFleet()
  /** What each terminal's own records show, by terminal id. */
  const history = new Map<number, TerminalTransaction[]>()
  let captured: { attemptId: number; amountTiyn: bigint }[] = []
  /** The ledger's refunds, given here like the captures. */
  let refunds: LedgerRefund[] = []

  before(async () => {
    db = await openTestDatabase(paymentsMigrations)
    payments = await buildPaymentsApp({
      config: loadPaymentsConfig({ LOG_LEVEL: 'silent', PAYMENTS_ADMIN_TOKEN: ADMIN_TOKEN }),
      db,
      background: false,
      overrides: {
        terminals: {
          clientFor: fleet.clientFor,
          qrReader: fleet.qrReader,
          history: { transactions: async (terminal) => history.get(terminal.id) ?? [] },
          // The attempts below are the pool's alone (no payment behind them): the ledger's side is given here.
          capturedAttempts: async () => captured,
          ledgerRefunds: {
            between: async () => refunds,
            byReferences: async (references) => refunds.filter((r) => references.includes(r.reference ?? '')),
          },
        },
      },
    })
  })
  after(async () => {
    await payments.app.close()
    await db.close()
  })

  const add = (body: Record<string, unknown>, headers: Record<string, string> = auth) =>
    payments.app.inject({ method: 'POST', url: '/api/admin/terminals', headers, payload: body })

  it('refuses a missing or wrong admin token with the seed’s envelope', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: 'Basic eDp5' }]) {
      const answer = await payments.app.inject({ method: 'GET', url: '/api/admin/terminals', headers })
      assert.equal(answer.statusCode, 401)
      const body = answer.json()
      assert.deepEqual(
        { ...body, message: undefined },
        { success: false, message: undefined, error_code: 401, code: 'ADMIN_UNAUTHORIZED' },
      )
    }
  })

  it('refuses every admin request when no admin token is configured: the admin API is off', async () => {
    const closed = await buildPaymentsApp({
      config: loadPaymentsConfig({ LOG_LEVEL: 'silent' }),
      db,
      background: false,
    })
    try {
      for (const headers of [{}, { authorization: 'Bearer ' }, { authorization: 'Bearer undefined' }]) {
        const answer = await closed.app.inject({ method: 'GET', url: '/api/admin/terminals', headers })
        assert.equal(answer.statusCode, 403)
        assert.equal(answer.json().code, 'ADMIN_API_DISABLED')
      }
    } finally {
      await closed.app.close()
    }
  })

  it('adds, lists, disables and enables terminals, never showing the access token', async () => {
    const created = await add({
      name: 'Касса 1',
      base_url: 'http://127.0.0.1:9003/terminals/1',
      access_token: 'secret-terminal-token',
      camera_id: '1',
    })
    assert.equal(created.statusCode, 201)
    const terminal = created.json().data
    assert.equal(terminal.name, 'Касса 1')
    assert.equal(terminal.enabled, true)
    assert.equal(terminal.state, 'unknown')
    assert.equal(terminal.busy, false)
    assert.ok(!created.body.includes('secret-terminal-token'))

    const duplicate = await add({ name: 'Касса 1', base_url: 'http://x.test:8080', access_token: 't', camera_id: '2' })
    assert.equal(duplicate.statusCode, 409)
    assert.equal(duplicate.json().code, 'TERMINAL_NAME_TAKEN')

    const disabled = await payments.app.inject({
      method: 'POST',
      url: `/api/admin/terminals/${terminal.id}/disable`,
      headers: auth,
    })
    assert.equal(disabled.json().data.enabled, false)
    const list = await payments.app.inject({ method: 'GET', url: '/api/admin/terminals', headers: auth })
    assert.equal(list.statusCode, 200)
    assert.deepEqual(
      list.json().data.map((t: { name: string; enabled: boolean }) => [t.name, t.enabled]),
      [['Касса 1', false]],
    )
    assert.ok(!list.body.includes('secret-terminal-token'))
    const enabled = await payments.app.inject({
      method: 'POST',
      url: `/api/admin/terminals/${terminal.id}/enable`,
      headers: auth,
    })
    assert.equal(enabled.json().data.enabled, true)

    const unknown = await payments.app.inject({
      method: 'POST',
      url: '/api/admin/terminals/9999/enable',
      headers: auth,
    })
    assert.equal(unknown.statusCode, 404)
    assert.equal(unknown.json().code, 'TERMINAL_NOT_FOUND')
  })

  it('answers hostile input with 400 and a stable code, writing nothing', async () => {
    const bad = [
      { name: 'x', base_url: 'ftp://x', access_token: 't', camera_id: '1' },
      { name: '', base_url: 'http://x.test', access_token: 't', camera_id: '1' },
      { name: 'x'.repeat(101), base_url: 'http://x.test', access_token: 't', camera_id: '1' },
      { name: 'x', base_url: 'http://x.test', access_token: 't', camera_id: '../../etc' },
      { name: 'x', base_url: 'http://x.test', access_token: 't', camera_id: '1', extra: true },
      { name: 'x', base_url: 'http://x.test', access_token: 't' },
      { name: 'a\u0000b', base_url: 'http://x.test', access_token: 't', camera_id: '1' },
    ]
    for (const body of bad) {
      const answer = await add(body)
      assert.equal(answer.statusCode, 400, JSON.stringify(body))
      assert.equal(answer.json().code, 'VALIDATION_FAILED')
    }
    for (const url of ['/api/admin/terminals/abc/disable', '/api/admin/terminals/1e99/disable']) {
      const answer = await payments.app.inject({ method: 'POST', url, headers: auth })
      assert.equal(answer.statusCode, 400)
    }
    const reconcile = await payments.app.inject({
      method: 'GET',
      url: '/api/admin/terminals/reconcile?from=yesterday',
      headers: auth,
    })
    assert.equal(reconcile.statusCode, 400)
    const list = await payments.app.inject({ method: 'GET', url: '/api/admin/terminals', headers: auth })
    assert.equal(list.json().data.length, 1)
  })

  it('reconciliation finds a missing capture, an unknown transaction and a capture with no transaction', async () => {
    const { pool } = payments.services.terminals
    const added = await add({ name: 'Касса 2', base_url: 'http://fake.test:1', access_token: 't2', camera_id: '2' })
    assert.equal(added.statusCode, 201)
    // The fake fleet names terminals by their address: all three attempts go to terminals it knows.
    const list = (await payments.app.inject({ method: 'GET', url: '/api/admin/terminals', headers: auth })).json().data
    await db.query(`UPDATE kaspi_terminal SET base_url = 'fake://t' || id`)
    const started: Awaited<ReturnType<typeof pool.start>>[] = []
    for (const attemptId of [101, 102, 103]) {
      const s = await pool.start({ attemptId, amountTenge: 10_000 })
      fleet.pay(`t${s.terminalId}`, s.processId)
      assert.equal((await pool.check(attemptId)).state, 'paid')
      await pool.release(attemptId)
      started.push(s)
    }
    assert.equal(list.length, 2)
    const at = new Date()
    // Terminal records: 101 and 102 as captured; 103 paid on the terminal but absent from the payments' captures;
    // one stranger.
    captured = [101, 102].map((attemptId) => ({ attemptId, amountTiyn: 1_000_000n }))
    for (const s of started) {
      const list = history.get(s.terminalId) ?? []
      list.push({
        kind: 'purchase',
        transactionId: `tx-${s.processId}`,
        processId: s.processId,
        amountTiyn: 1_000_000n,
        at,
      })
      history.set(s.terminalId, list)
    }
    history.get(started[0].terminalId)?.push({ kind: 'purchase', transactionId: 'stranger', amountTiyn: 5_000_00n, at })
    // 102's transaction is missing from its terminal's records.
    history.set(
      started[1].terminalId,
      (history.get(started[1].terminalId) ?? []).filter((t) => t.processId !== started[1].processId),
    )

    const answer = await payments.app.inject({ method: 'GET', url: '/api/admin/terminals/reconcile', headers: auth })
    assert.equal(answer.statusCode, 200, answer.body)
    const report = answer.json().data
    const kinds = report.mismatches
      .map((m: { kind: string; attempt_id?: number; transaction_id?: string }) =>
        [m.kind, m.attempt_id ?? m.transaction_id].join(' '),
      )
      .sort()
    assert.deepEqual(kinds, ['missing_capture 103', 'missing_transaction 102', 'unknown_transaction stranger'])
    const stranger = report.mismatches.find((m: { kind: string }) => m.kind === 'unknown_transaction')
    assert.equal(stranger.amount, 5_000)
  })

  it('reconciliation compares refunds: an unknown one, a missing one and one whose amount differs', async () => {
    const [terminal] = (await payments.app.inject({ method: 'GET', url: '/api/admin/terminals', headers: auth })).json()
      .data
    // A refund goes through the terminal that took the capture: attempt 101's (the test above started it).
    const ran = await db.query<{ terminalId: number }>(
      'SELECT terminal_id AS "terminalId" FROM kaspi_terminal_process WHERE attempt_id = 101',
    )
    const at = new Date()
    captured = []
    history.clear()
    history.set(terminal.id, [
      { kind: 'refund', transactionId: 'rt-1', processId: 'rp-1', amountTiyn: 200_000n, at },
      { kind: 'refund', transactionId: 'rt-2', processId: 'rp-2', amountTiyn: 150_000n, at },
      { kind: 'refund', transactionId: 'rt-3', processId: 'rp-3', amountTiyn: 70_000n, at },
    ])
    refunds = [
      { refundId: 1, attemptId: 101, amountTiyn: 200_000n, reference: 'rp-1' },
      { refundId: 2, attemptId: 101, amountTiyn: 100_000n, reference: 'rp-2' },
      { refundId: 3, attemptId: 101, amountTiyn: 50_000n, reference: null },
    ]
    const answer = await payments.app.inject({ method: 'GET', url: '/api/admin/terminals/reconcile', headers: auth })
    assert.equal(answer.statusCode, 200, answer.body)
    const report = answer.json().data
    assert.equal(report.refunds, 3)
    assert.deepEqual(report.mismatches, [
      {
        kind: 'refund_amount_differs',
        terminal_id: terminal.id,
        transaction_id: 'rt-2',
        attempt_id: 101,
        refund_id: 2,
        terminal_amount: 1_500,
        refunded_amount: 1_000,
      },
      { kind: 'unknown_refund', terminal_id: terminal.id, transaction_id: 'rt-3', amount: 700 },
      {
        kind: 'missing_refund',
        terminal_id: ran.rows[0].terminalId,
        attempt_id: 101,
        refund_id: 3,
        refund_reference: null,
        amount: 500,
      },
    ])
  })
})
