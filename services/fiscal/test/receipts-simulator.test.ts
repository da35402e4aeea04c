import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { generateWebhookSecret, manualClock } from '@kokdala/core'
import { fetchJson } from '@kokdala/core/testing'
import { createWebkassaClient, type WebkassaClient, type WebkassaResult } from '@kokdala/webkassa'
import { type StartedWebkassaSimulator, startWebkassaSimulator, WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'
import { checkRequest, type ReceiptContent } from '../src/modules/receipts/receipt.ts'
import type { TokenSession } from '../src/modules/receipts/recovery.ts'
import {
  FAST_RECEIPT_RETRIES,
  paymentsFeed,
  payThroughCommitThenDrop,
  type StartedFiscal,
  startFiscal,
} from './harness.ts'

interface SimCounts {
  total: number
  byExternalNumber: Record<string, { receipts: number; attempts: number }>
}

// The receipts module against the Webkassa simulator over HTTP with the real client: the simulator checks what
// the in-test fake does not (VAT per line, ReturnBasisDetails naming a real receipt, overlapping calls → 9).

const SECRET = generateWebhookSecret()
const [BOX1, BOX2, BOX3] = WEBKASSA_SIM_DEMO.cashboxes
let sim: StartedWebkassaSimulator
let client: WebkassaClient & { close(): Promise<void> }
const started: StartedFiscal[] = []

async function control(method: string, path: string, body?: unknown) {
  const answer = await fetchJson(sim.url, method, path, body)
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json as { receipts: SimCounts }
}

/**
 * A test-only session (the tokens module's, single-flight across processes, is tested there): one login at a time in
 * this process, and a login again on 2/3 only when nobody has replaced the token that was refused.
 */
function loginSession(webkassa: WebkassaClient): TokenSession {
  let token: Promise<string | WebkassaResult<never>> | undefined
  const login = () => {
    token = webkassa
      .authorize(WEBKASSA_SIM_DEMO.login, WEBKASSA_SIM_DEMO.password)
      .then((answer) => (answer.kind === 'ok' ? answer.data.Token : (answer as WebkassaResult<never>)))
    return token
  }
  return {
    async withToken(call) {
      const current = token ?? login()
      const used = await current
      if (typeof used !== 'string') {
        token = undefined
        return used
      }
      const first = await call(used)
      if (first.kind !== 'errors' || !first.errors.some((e) => e.Code === 2 || e.Code === 3)) return first
      const next = await (token === current ? login() : (token ?? login()))
      return typeof next === 'string' ? call(next) : next
    },
  }
}

before(async () => {
  sim = await startWebkassaSimulator()
  client = createWebkassaClient({
    baseUrl: sim.url,
    apiKey: WEBKASSA_SIM_DEMO.apiKey,
    timeoutMs: 5_000,
    // Commit-then-drop cuts connections on purpose; an open breaker would hide the next answers.
    breaker: { failureThreshold: 1000 },
  })
})
beforeEach(async () => {
  await control('POST', '/__sim/reset')
})
after(async () => {
  for (const fiscal of started) await fiscal.close()
  await client?.close()
  await sim?.close()
})

async function setup(cashboxes: string = BOX1) {
  const clock = manualClock(new Date())
  const fiscal = await startFiscal(
    {
      FISCAL_CASHBOXES: cashboxes,
      FISCAL_PAYMENTS_WEBHOOK_SECRET: SECRET,
      // Receipts go through the tokens module's session, logged in with the simulator's demo account.
      FISCAL_WEBKASSA_API_KEY: WEBKASSA_SIM_DEMO.apiKey,
      FISCAL_WEBKASSA_LOGIN: WEBKASSA_SIM_DEMO.login,
      FISCAL_WEBKASSA_PASSWORD: WEBKASSA_SIM_DEMO.password,
    },
    {
      clock,
      overrides: {
        webkassa: client,
        receipts: FAST_RECEIPT_RETRIES,
      },
    },
  )
  started.push(fiscal)
  return paymentsFeed(fiscal, {
    secret: SECRET,
    clock,
    defaults: () => ({
      paid_amount: 0,
      actual_amount_received: 0,
      written_off_amount: 0,
      refunded_amount: 0,
      description: 'Билет',
    }),
    drainRounds: 200,
  })
}

const simReceipts = async () => (await control('GET', '/__sim/receipts')).receipts

describe('receipts against the Webkassa simulator', () => {
  test('credit sale, partial refund and the rest: the simulator accepts every receipt and each return basis', async () => {
    const { deliver, drain, receipts } = await setup()
    await deliver({ paid_amount: 1_140, actual_amount_received: 1_000 })
    await drain()
    await deliver({
      event: 'partially_refunded',
      paid_amount: 570,
      actual_amount_received: 500,
      refunded_amount: 570,
    })
    await deliver({ event: 'refunded', paid_amount: 0, actual_amount_received: 0, refunded_amount: 1_140 })
    await drain()
    const list = await receipts('?payment=TX0000000001')
    assert.deepEqual(
      list.map((r) => [r.external_number, r.kind, r.total, r.status]),
      [
        ['s-TX0000000001-1', 'sale', '1140.00', 'fiscalized'],
        ['r-TX0000000001-1', 'sale_return', '570.00', 'fiscalized'],
        ['r-TX0000000001-2', 'sale_return', '570.00', 'fiscalized'],
      ],
    )
    const counts = await simReceipts()
    assert.equal(counts.total, 3)
    for (const r of list) assert.equal(counts.byExternalNumber[r.external_number].receipts, 1)
  })

  test('commit-then-drop at the simulator: recovered by lookup, one receipt, no new number', async () => {
    const feed = await setup()
    await control('POST', '/__sim/commit-then-drop', { next: 1 })
    await payThroughCommitThenDrop(feed)
    const counts = await simReceipts()
    assert.deepEqual(counts.byExternalNumber['s-TX0000000001-1'], { receipts: 1, attempts: 1 })
  })

  test('code 14 with and without Data: the receipt Webkassa holds is taken, compared, never sent twice', async () => {
    for (const duplicateWithData of [true, false]) {
      await control('POST', '/__sim/reset')
      await control('POST', '/__sim/faults', { duplicateWithData })
      const { pay, drain, receipts } = await setup()
      // A previous life of the service sent this very receipt and lost its row: Webkassa holds the number.
      const content: ReceiptContent = {
        kind: 'sale',
        lines: [{ name: 'Билет', count: 1, priceTiyn: 100_000n, vatPercent: 16, unitCode: 796 }],
        payments: [{ type: 4, sumTiyn: 100_000n }],
      }
      const earlier = await loginSession(client).withToken((t) =>
        client.check(t, checkRequest(content, BOX1, 's-TX0000000001-1')),
      )
      assert.equal(earlier.kind, 'ok')
      await pay(1_000)
      await drain()
      const [r] = await receipts()
      assert.equal(r.status, 'fiscalized', `duplicateWithData ${duplicateWithData}: ${r.last_error}`)
      assert.equal(r.fiscal.via, duplicateWithData ? 'duplicate' : 'recovery')
      assert.equal(r.fiscal.check_number, earlier.kind === 'ok' ? earlier.data.CheckNumber : '')
      const counts = await simReceipts()
      assert.deepEqual(counts.byExternalNumber['s-TX0000000001-1'], { receipts: 1, attempts: 2 })
    }
  })

  test('a shift the simulator finds over 24 h (code 11): Z report on that cashbox, then the same receipt', async () => {
    const { pay, drain, receipts } = await setup()
    await pay(10, 'TX0000000000')
    await drain()
    await control('POST', '/__sim/clock', { advanceMs: 24 * 3_600_000 + 60_000 })
    await pay(1_000)
    await drain()
    const [r] = await receipts('?payment=TX0000000001')
    assert.equal(r.status, 'fiscalized')
    assert.equal(r.fiscal.shift_number, 2)
    assert.deepEqual(
      r.attempts.map((a: { outcome: string }) => a.outcome),
      ['replayed', 'fiscalized'],
    )
  })

  test('three cashboxes in parallel, one request at a time on each: no code 9, every receipt once', async () => {
    await control('POST', '/__sim/faults', { cashboxLatencyMs: 15 })
    const { pay, drain, receipts } = await setup([BOX1, BOX2, BOX3].join(','))
    for (let i = 0; i < 24; i++) {
      const id = `TX${String(i).padStart(10, '0')}`
      await pay(100 + i, id)
    }
    await drain()
    const list = await receipts()
    assert.equal(list.length, 24)
    assert.deepEqual(new Set(list.map((r) => r.status)), new Set(['fiscalized']))
    assert.deepEqual(new Set(list.map((r) => r.cashbox)), new Set([BOX1, BOX2, BOX3]))
    const counts = await simReceipts()
    assert.equal(counts.total, 24)
    await control('DELETE', '/__sim/faults')
  })
})
