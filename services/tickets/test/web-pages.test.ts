import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { paymentInitToken } from '@kokdala/payment-gateway'
import { chromiumUnavailable, launchChromium, openBrowserPage, screenshot } from '@kokdala/web-kit/testing'
import type { Browser, Page } from 'playwright-core'
import { buyers, client, startTickets } from './harness.ts'
import { freePort, type Platform, startPlatform, TEAM } from './simulators.ts'

const GREEN = 'rgb(26, 127, 55)'
const [alice] = buyers

let browser: Browser
before(async () => {
  if (chromiumUnavailable) return
  browser = await launchChromium()
})
after(() => browser?.close())

/** The shared layout is there and its styles were applied under the CSP (buttons are the platform's green). */
async function assertStyledLayout(page: Page, lang: 'ru' | 'en', button: string) {
  assert.equal(await page.locator('html').getAttribute('lang'), lang)
  assert.equal(await page.locator(button).evaluate((node) => getComputedStyle(node).backgroundColor), GREEN)
  assert.equal(await page.locator('nav.languages a').innerText(), lang === 'ru' ? 'English' : 'Русский')
}

describe('the test-mode payment page (tickets), in Russian and English', { skip: chromiumUnavailable }, () => {
  let t: Awaited<ReturnType<typeof startTickets>>
  let base: string

  before(async () => {
    // The gateway is handed our public URL at initiatePayment, so the port is chosen before the app is built.
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    t = await startTickets({ TICKETS_PUBLIC_URL: base })
    await t.app.listen({ port, host: '127.0.0.1' })
  })
  after(() => t?.close())

  async function paymentUrl(seatId: number) {
    const api = client(t)
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, booking, seatId)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(initiated.status, 302)
    return String(initiated.headers.location)
  }

  test('Russian, then English with the switch, remembered on the next visit; "Decline" lands on the fail callback', async () => {
    const url = await paymentUrl(200_131)
    const { page, cspViolations, close } = await openBrowserPage(browser)
    await page.goto(url)
    await assertStyledLayout(page, 'ru', '#pay')
    assert.equal(await page.locator('h1').innerText(), 'Оплата заказа — тестовый режим')
    assert.equal(await page.locator('#decline').innerText(), 'Отклонить')
    await screenshot(page, 'test-gateway-ru')

    await page.getByText('English').click()
    await assertStyledLayout(page, 'en', '#pay')
    assert.equal(await page.locator('h1').innerText(), 'Order payment — test mode')
    assert.equal(await page.locator('#pay').innerText(), 'Pay')
    await screenshot(page, 'test-gateway-en')
    // The switch is remembered: the plain link opens in English now.
    await page.goto(url)
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')

    await page.locator('#decline').click()
    await page.waitForURL(/\/api\/payments\/fail\?orderId=\d+$/)
    assert.equal(JSON.parse(await page.locator('body').innerText()).booking_status, 'CANCELLED')
    assert.deepEqual(cspViolations, [])
    await close()
  })

  test('"Оплатить" in Russian lands on the success callback', async () => {
    const url = await paymentUrl(200_132)
    const { page, cspViolations, close } = await openBrowserPage(browser)
    await page.goto(url)
    await page.locator('#pay').click()
    await page.waitForURL(/\/api\/payments\/success\?orderId=\d+$/)
    assert.equal(JSON.parse(await page.locator('body').innerText()).booking_status, 'CONFIRMED')
    assert.deepEqual(cspViolations, [])
    await close()
  })
})

describe('the ТөлеуБар simulator card form, in Russian and English', { skip: chromiumUnavailable }, () => {
  let platform: Platform

  before(async () => {
    platform = await startPlatform({ provider: false })
  })
  after(() => platform?.close())

  async function formUrl() {
    const api = client(platform.tickets)
    const booking = await api.createBooking(alice, 2)
    assert.equal((await api.select(alice, booking, 200_133)).status, 200)
    const initiated = await api.patch('/api/bookings/initiatePayment', { booking_id: booking }, alice)
    assert.equal(initiated.status, 302)
    return String(initiated.headers.location)
  }

  test('Russian form, a refused card number re-rendered with its error, English by the switch, paid, back on tickets', async () => {
    const url = await formUrl()
    const { page, cspViolations, close } = await openBrowserPage(browser)
    await page.goto(url)
    await assertStyledLayout(page, 'ru', 'button[type=submit]')
    assert.equal(await page.locator('h1').innerText(), 'Оплата заказа')
    assert.equal(await page.locator('label[for=CardNumber]').innerText(), 'Номер карты')

    await page.fill('#CardNumber', '1234')
    await page.fill('#ExpiryDate', '12/30')
    await page.fill('#Cvv', '123')
    await page.click('button[type=submit]')
    assert.match(await page.locator('[role=alert]').innerText(), /Неверный номер карты/)
    assert.equal(await page.locator('#CardNumber').inputValue(), '', 'the card number is never echoed back')
    await screenshot(page, 'toleubar-form-ru')
    // After the POST the switch still leads to the form, not to the submit URL.
    await page.getByText('English').click()
    await assertStyledLayout(page, 'en', 'button[type=submit]')
    assert.equal(await page.locator('label[for=CardNumber]').innerText(), 'Card number')
    assert.match(await page.locator('button[type=submit]').innerText(), /^Pay \d+\.\d\d KZT$/)
    await screenshot(page, 'toleubar-form-en')

    await page.fill('#CardNumber', '4111 1111 1111 1111')
    await page.fill('#ExpiryDate', '12/30')
    await page.fill('#Cvv', '123')
    await Promise.all([page.waitForURL(`${platform.ticketsUrl}/api/payments/**`), page.click('button[type=submit]')])
    assert.match(page.url(), /\/api\/payments\/success\?orderId=\d+$/)
    assert.equal(JSON.parse(await page.locator('body').innerText()).booking_status, 'CONFIRMED')
    assert.deepEqual(cspViolations, [])
    await close()
  })

  test('a hostile merchant description is shown as text, in a browser and in the HTML', async () => {
    const hostile = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
    const body = { teamSlug: TEAM.teamSlug, amount: 150_000, orderId: 'hostile-1', description: hostile }
    const init = await platform.gateway.inject({
      method: 'POST',
      url: '/api/v1/PaymentInit/init',
      payload: { ...body, token: paymentInitToken(body, TEAM.password) },
    })
    assert.equal(init.statusCode, 200, init.body)
    const path = new URL(init.json().paymentURL).pathname
    const html = (await platform.gateway.inject({ url: path })).body
    assert.doesNotMatch(html, /<script>document/)
    assert.doesNotMatch(html, /<img src=x/)

    const { page, close } = await openBrowserPage(browser)
    await page.goto(`${platform.gatewayUrl}${path}`)
    assert.equal(await page.locator('main p', { hasText: 'onerror' }).innerText(), hostile)
    assert.doesNotMatch(await page.title(), /pwned/)
    await close()
  })
})
