import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { generateWebhookSecret } from '@kokdala/core'
import type { WebkassaResult } from '@kokdala/webkassa'
import { createFakeWebkassa, plainSession } from './fake-webkassa.ts'
import { ADMIN_TOKEN, paymentsFeed, type StartedFiscal, startOnWebkassa } from './harness.ts'

const SECRET = generateWebhookSecret()
const started: StartedFiscal[] = []
after(async () => {
  for (const fiscal of started) await fiscal.close()
})

// The claim marks a pending sale `sending` and opens its attempt (repository `sendContexts`), so the send leaves
// without another round trip. A run that ends after that mark and before the send must not be taken for a send that
// happened, nor for one that did not: the next round looks the receipt up, then sends it once, with the same number.
test('a sale marked sending at its claim whose run dies before the send: looked up, then issued once', async () => {
  const wk = createFakeWebkassa()
  let broken = true
  const session = {
    withToken<T>(call: (token: string) => Promise<WebkassaResult<T>>): Promise<WebkassaResult<T>> {
      // A fault of our own between the claim and the request (not an answer of Webkassa's): the run throws.
      if (broken) throw new Error('session failed before the request left')
      return plainSession.withToken(call)
    },
  }
  const { clock, fiscal } = await startOnWebkassa(wk.client, { secret: SECRET, session })
  started.push(fiscal)
  const feed = paymentsFeed(fiscal, {
    secret: SECRET,
    clock,
    defaults: () => ({ written_off_amount: 0, refunded_amount: 0, description: 'Билет' }),
  })
  const res = await feed.pay(700, 'TXMARK000001')
  assert.equal(res.statusCode, 200, res.body)
  const [id] = res.json().receipts as number[]
  const receipt = async () =>
    (
      await fiscal.app.inject({
        method: 'GET',
        url: `/api/receipts/${id}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()

  await fiscal.services.worker.runDue()
  const afterCrash = await receipt()
  assert.equal(afterCrash.status, 'sending', 'the claim marked it; the run ended before anything was sent')
  assert.equal(afterCrash.attempts.length, 1)
  assert.equal(afterCrash.attempts[0].finished_at, null)
  assert.equal(wk.calls.length, 0, 'nothing reached Webkassa')

  broken = false
  clock.advance(60_000)
  for (let i = 0; i < 10 && (await fiscal.services.worker.runDue()) > 0; i++) clock.advance(60_000)
  const done = await receipt()
  assert.equal(done.status, 'fiscalized')
  const number = done.external_number as string
  assert.equal(wk.count(number), 1)
  // Looked up first (the cashbox's shift: none open, so no receipt can exist), then sent once with its number.
  assert.deepEqual(wk.calls, ['cashboxes', `check ${number}`])
  assert.deepEqual(
    done.attempts.map((a: { outcome: string }) => a.outcome),
    ['lost', 'fiscalized'],
  )
})
