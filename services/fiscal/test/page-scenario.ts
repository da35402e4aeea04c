import { randomUUID } from 'node:crypto'
import { generateWebhookSecret, manualClock, standardWebhookHeaders } from '@kokdala/core'
import type { CheckData, WebkassaClient, WebkassaResult } from '@kokdala/webkassa'
import { createFakeWebkassa, STANDING_TOKEN } from './fake-webkassa.ts'
import { ADMIN_TOKEN, type StartedFiscal, startFiscal } from './harness.ts'
import { CONFIGURED_ENV, SECRETS } from './secrets.ts'

/** The session token the fake Webkassa issues here: it must never reach a page. */
export const SESSION_TOKEN = `${SECRETS.tokenMarker}-status-page-0f9e8d7c6b5a`

/** What Webkassa says on the parked cashbox (code 18). */
export const PARK_TEXT = 'Касса заблокирована: нет связи с ОФД более 72 часов'
/** The same with markup in it: a page must show it as text. */
export const HOSTILE_PARK_TEXT = 'Касса заблокирована <img src=x onerror=alert(1)>'

/**
 * A deployment the status page has something to show on, driven by hand (injected clock, queues run by the test):
 * - SWK1: its sale went through in Webkassa's offline mode (Webkassa cannot reach the OFD); its shift is 23 h 10 min
 *   old; a refund with no stored original waits for a person there (needs_attention).
 * - SWK2: parked by code 18 with its receipt kept in the queue.
 * - SWK3: Webkassa does not answer (timeouts): its receipt is being looked up (recovering).
 */
export async function statusScenario({
  parkText = PARK_TEXT,
} = {}): Promise<StartedFiscal & { clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock(new Date('2026-01-05T04:00:00Z'))
  const secret = generateWebhookSecret()
  const wk = createFakeWebkassa()
  const silent = { kind: 'unknown', reason: 'timeout' } as const
  // The service logs in and gets SESSION_TOKEN; the fake underneath knows its own standing token.
  const t = (token: string) => (token === SESSION_TOKEN ? STANDING_TOKEN : token)
  const client: WebkassaClient = {
    ...wk.client,
    authorize: async () => ({ kind: 'ok', data: { Token: SESSION_TOKEN } }),
    async check(token, request): Promise<WebkassaResult<CheckData>> {
      if (request.CashboxUniqueNumber === 'SWK2') return { kind: 'errors', errors: [{ Code: 18, Text: parkText }] }
      if (request.CashboxUniqueNumber === 'SWK3') return silent
      const result = await wk.client.check(t(token), request)
      return result.kind === 'ok' ? { kind: 'ok', data: { ...result.data, OfflineMode: true } } : result
    },
    ticketByExternalNumber: (token, cashbox, number, shift) =>
      cashbox === 'SWK3' ? Promise.resolve(silent) : wk.client.ticketByExternalNumber(t(token), cashbox, number, shift),
    checkHistory: (token, cashbox, shift, page) =>
      cashbox === 'SWK3' ? Promise.resolve(silent) : wk.client.checkHistory(t(token), cashbox, shift, page),
    cashboxes: (token) => wk.client.cashboxes(t(token)),
    xReport: (token, cashbox) => wk.client.xReport(t(token), cashbox),
    zReport: (token, cashbox) => wk.client.zReport(t(token), cashbox),
    shiftHistory: (token, cashbox, page) => wk.client.shiftHistory(t(token), cashbox, page),
  }
  const fiscal = await startFiscal(
    { ...CONFIGURED_ENV, FISCAL_CASHBOXES: 'SWK1,SWK2,SWK3', FISCAL_PAYMENTS_WEBHOOK_SECRET: secret },
    {
      clock,
      overrides: { webkassa: client, receipts: { retryScheduleMs: [1_000, 1_000, 1_000], parkProbeMs: 60_000 } },
    },
  )
  const deliver = async (fields: Record<string, unknown>) => {
    const body = JSON.stringify({
      event: 'paid',
      status: 'paid',
      paid_amount: 0,
      actual_amount_received: 0,
      written_off_amount: 0,
      refunded_amount: 0,
      description: 'Билет',
      ...fields,
    })
    const answer = await fiscal.app.inject({
      method: 'POST',
      url: '/api/payment-events',
      headers: {
        ...standardWebhookHeaders(secret, `msg_${randomUUID()}`, body, clock.now()),
        'content-type': 'application/json',
      },
      payload: body,
    })
    if (answer.statusCode !== 200) throw new Error(`payment event answered ${answer.statusCode}: ${answer.body}`)
  }
  const drain = async () => {
    for (let i = 0; i < 50; i++) if ((await fiscal.services.worker.runDue()) === 0) return
    throw new Error('queues never drained')
  }
  // One sale per cashbox: each goes to the least loaded one, in the configured order.
  await deliver({ transaction_id: 'TXPAGE000001', paid_amount: 1_000, actual_amount_received: 1_000 })
  await deliver({ transaction_id: 'TXPAGE000002', paid_amount: 2_500, actual_amount_received: 2_500 })
  await deliver({ transaction_id: 'TXPAGE000003', paid_amount: 700, actual_amount_received: 700 })
  await drain()
  await deliver({ event: 'refunded', status: 'refunded', transaction_id: 'TXPAGE000009', refunded_amount: 500 })
  await drain()
  clock.advance((23 * 60 + 10) * 60_000)
  return { ...fiscal, clock }
}

export const ADMIN_HEADER = { authorization: `Bearer ${ADMIN_TOKEN}` }
export { ADMIN_TOKEN }
