import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { chromiumUnavailable, launchChromium } from '@kokdala/web-kit/testing'
import type { Browser } from 'playwright-core'
import { buyers, client, startTickets } from './harness.ts'
import { freePort } from './simulators.ts'

describe('the test-mode payment page in a real browser', { skip: chromiumUnavailable }, () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let browser: Browser
  let base: string
  const [alice] = buyers

  before(async () => {
    // The gateway is handed our public URL at initiatePayment, so the port is chosen before the app is built.
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    t = await startTickets({ TICKETS_PUBLIC_URL: base })
    await t.app.listen({ port, host: '127.0.0.1' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.close()
  })

  /** A booking with one seat and its payment page (the Location of initiatePayment, on this server). */
  async function paymentPage(seatId: number) {
    const api = client(t)
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, booking, seatId)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(initiated.status, 302)
    return { booking, url: String(initiated.headers.location) }
  }

  test('Russian first, English one click away; "Оплатить" lands on the success callback and sells the seat', async () => {
    const { url } = await paymentPage(200_021)
    const page = await browser.newPage()
    await page.goto(url)
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru')
    assert.match(await page.locator('h1').innerText(), /Оплата заказа/)
    await page.getByText('English').click()
    assert.match(await page.locator('h1').innerText(), /Order payment/)
    await page.getByText('Русский').click()
    await page.locator('#pay').click()
    await page.waitForURL(/\/api\/payments\/success\?orderId=\d+$/)
    assert.equal(JSON.parse(await page.locator('body').innerText()).booking_status, 'CONFIRMED')
    const { rows } = await t.db.query(`SELECT status FROM seat_claim WHERE seat_id = 200021`)
    assert.deepEqual(rows, [{ status: 'SOLD' }])
    await page.close()
  })

  test('"Отклонить" lands on the fail callback and frees the seat', async () => {
    const { url } = await paymentPage(200_022)
    const page = await browser.newPage()
    await page.goto(url)
    await page.locator('#decline').click()
    await page.waitForURL(/\/api\/payments\/fail\?orderId=\d+$/)
    assert.equal(JSON.parse(await page.locator('body').innerText()).booking_status, 'CANCELLED')
    const { rows } = await t.db.query(`SELECT 1 FROM seat_claim WHERE seat_id = 200022`)
    assert.deepEqual(rows, [])
    await page.close()
  })
})
