import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { generateWebhookSecret } from '@kokdala/core'
import { chromiumUnavailable, launchChromium, openBrowserPage } from '@kokdala/web-kit/testing'
import type { Browser } from 'playwright-core'
import { createFakeWebkassa } from './fake-webkassa.ts'
import { ADMIN_TOKEN, paymentsFeed, type StartedFiscal, startOnWebkassa } from './harness.ts'

const SECRET = generateWebhookSecret()

/**
 * Two receipts that need a person on one cashbox: a sale Webkassa refused (code 9, `failed`: retryable) and a refund
 * with no stored original (`needs_attention`, RETURN_BASIS_MISSING: its retry is refused until there is one).
 */
async function retryScenario(): Promise<StartedFiscal & { failedId: number; blockedId: number }> {
  const wk = createFakeWebkassa()
  const { clock, fiscal } = await startOnWebkassa(wk.client, { secret: SECRET })
  const feed = paymentsFeed(fiscal, {
    secret: SECRET,
    clock,
    defaults: () => ({
      paid_amount: 0,
      actual_amount_received: 0,
      written_off_amount: 0,
      refunded_amount: 0,
      description: 'Билет',
    }),
  })
  const deliver = async (fields: Record<string, unknown>) => {
    const res = await feed.deliver(fields)
    assert.equal(res.statusCode, 200, res.body)
    return (res.json() as { receipts: number[] }).receipts[0]
  }
  wk.fault({ codes: [9] })
  const failedId = await deliver({ transaction_id: 'TXRETRY00001', paid_amount: 700, actual_amount_received: 700 })
  const blockedId = await deliver({
    transaction_id: 'TXRETRY00002',
    event: 'refunded',
    status: 'refunded',
    refunded_amount: 300,
  })
  await feed.drain()
  return { ...fiscal, failedId, blockedId }
}

describe('the status page’s Retry button in Chromium', { skip: chromiumUnavailable }, () => {
  let fiscal: Awaited<ReturnType<typeof retryScenario>>
  let browser: Browser
  let origin: string

  before(async () => {
    fiscal = await retryScenario()
    await fiscal.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(fiscal.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await fiscal?.close()
  })

  test('Повторить re-queues a refused receipt and the list refreshes; a refused retry shows its code; English says Retry', async () => {
    const { page, problems, close } = await openBrowserPage(browser, { viewport: { width: 1280, height: 900 } })
    const posts: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST')
        posts.push(`${new URL(request.url()).pathname} ${request.headers().authorization}`)
    })

    await page.goto(`${origin}/status`)
    await page.locator('#admin-token').fill(ADMIN_TOKEN)
    await page.locator('#login-form button').click()
    await page.locator('#attention').waitFor()
    const failedRow = page.locator(`#attention tr[data-receipt="${fiscal.failedId}"]`)
    const blockedRow = page.locator(`#attention tr[data-receipt="${fiscal.blockedId}"]`)
    assert.equal(await page.locator('#attention tr[data-receipt]').count(), 2)
    const button = failedRow.locator('button[data-retry]')
    assert.equal((await button.innerText()).trim(), 'Повторить')

    // The refused sale: re-queued (pending), so it leaves the list at once — no wait for the 5 s poll.
    await button.click()
    await failedRow.waitFor({ state: 'detached', timeout: 3_000 })
    assert.deepEqual(posts, [`/api/receipts/${fiscal.failedId}/retry Bearer ${ADMIN_TOKEN}`])
    const after = await fiscal.app.inject({
      method: 'GET',
      url: `/api/receipts/${fiscal.failedId}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    assert.equal(after.json().status, 'pending')
    assert.equal(await page.locator('#action-error').isHidden(), true)

    // The return without an original: the API refuses, the page says so with the stable code, the row stays.
    await blockedRow.locator('button[data-retry]').click()
    await page.locator('#action-error').waitFor({ state: 'visible' })
    assert.match(await page.locator('#action-error').innerText(), /Не удалось повторить чек \(RETURN_BASIS_MISSING\)/)
    assert.equal(await blockedRow.count(), 1)

    await page.locator('nav.languages a[hreflang=en]').click()
    await page.waitForURL(/lang=en/)
    await blockedRow.waitFor()
    assert.equal((await blockedRow.locator('button[data-retry]').innerText()).trim(), 'Retry')
    assert.deepEqual(problems, [])
    await close()
  })
})
