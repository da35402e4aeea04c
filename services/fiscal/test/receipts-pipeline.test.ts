import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { generateWebhookSecret } from '@kokdala/core'
import { eventually } from '@kokdala/core/testing'
import { createFakeWebkassa } from './fake-webkassa.ts'
import { ADMIN_TOKEN, FAST_RECEIPT_RETRIES, paymentsFeed, type StartedFiscal, startOnWebkassa } from './harness.ts'

const SECRET = generateWebhookSecret()
const started: StartedFiscal[] = []
after(async () => {
  for (const fiscal of started) await fiscal.close()
})

// A cashbox's queue is pipelined (core jobs, `pipelined`): while a receipt is at Webkassa, the next one is leased
// and marked `sending` with its attempt opened, so it leaves the moment the first is answered. When the first does
// not go through, the second must be given back as if never marked — not taken for a send that may have happened
// (a lookup first, an attempt recorded as lost) — and Webkassa must still see the two in order, each once.
test('a cashbox’s next sale, marked while the one before it is at Webkassa, is given back unsent when that one fails, then issued once', async () => {
  const wk = createFakeWebkassa()
  const { clock, fiscal } = await startOnWebkassa(wk.client, { secret: SECRET, receipts: FAST_RECEIPT_RETRIES })
  started.push(fiscal)
  const feed = paymentsFeed(fiscal, {
    secret: SECRET,
    clock,
    defaults: () => ({ written_off_amount: 0, refunded_amount: 0, description: 'Билет' }),
  })
  const [first] = (await feed.pay(700, 'TXPIPE000001')).json().receipts as number[]
  const [second] = (await feed.pay(800, 'TXPIPE000002')).json().receipts as number[]
  const receipt = async (id: number) =>
    (
      await fiscal.app.inject({
        method: 'GET',
        url: `/api/receipts/${id}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()

  // The first receipt's request is held at Webkassa, and will be answered with an error that takes nothing (-1).
  wk.gates.calls.hold()
  wk.fault({ codes: [-1] })
  const { worker } = fiscal.services
  await worker.start()
  try {
    const marked = await eventually(
      async () => {
        const r = await receipt(second)
        return r.status === 'sending' && r
      },
      10_000,
      'the second receipt marked while the first is at Webkassa',
    )
    assert.equal(marked.attempts.length, 1)
    assert.equal(marked.attempts[0].finished_at, null)
    assert.equal((await receipt(first)).status, 'sending')

    wk.gates.calls.release()
    const givenBack = await eventually(
      async () => {
        const r = await receipt(second)
        return r.status === 'pending' && r
      },
      10_000,
      'the second receipt given back',
    )
    assert.deepEqual(givenBack.attempts, [], 'a mark undone leaves no attempt: nothing left')
    assert.equal((await receipt(first)).status, 'pending', 'the first waits for its retry')

    clock.advance(2_000)
    await eventually(
      async () => (await receipt(first)).status === 'fiscalized' && (await receipt(second)).status === 'fiscalized',
      10_000,
      'both receipts fiscalized',
    )
  } finally {
    await worker.stop()
  }
  const [one, two] = [await receipt(first), await receipt(second)]
  assert.equal(wk.count(one.external_number), 1)
  assert.equal(wk.count(two.external_number), 1)
  assert.deepEqual(
    wk.calls.filter((c) => c.startsWith('check')),
    [`check ${one.external_number}`, `check ${one.external_number}`, `check ${two.external_number}`],
    'the second left only after the first went through',
  )
  assert.deepEqual(
    two.attempts.map((a: { outcome: string }) => a.outcome),
    ['fiscalized'],
    'sent once, on a fresh mark: never looked up as if a request might have left',
  )
  assert.equal(wk.overlaps(), 0)
})
