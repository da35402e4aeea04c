import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { chromiumUnavailable, launchChromium, openBrowserPage, screenshot } from '@kokdala/web-kit/testing'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { pendingPayment, startFakePayments } from './page-fake-api.ts'

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const NBSP = '\u00a0'

describe('the payment page in Chromium', { skip: chromiumUnavailable }, () => {
  let fake: Awaited<ReturnType<typeof startFakePayments>>
  let browser: Browser
  let origin: string

  before(async () => {
    fake = await startFakePayments()
    origin = await fake.app.listen({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await fake?.app.close()
  })

  /** A page whose browser speaks English (so Russian comes from the page), collecting CSP complaints and errors. */
  const open = (options?: BrowserContextOptions) => openBrowserPage(browser, options)

  const status = (page: Page) => page.locator('#status').innerText()

  test('choose credit, "Оплатить" starts Kaspi with it, the QR shows, and the page turns paid by itself', async () => {
    fake.add(pendingPayment('BROWSER00001', 50_000, 'Оплата тура в Дубай #12345'))
    const { page, problems, close } = await open()
    await page.goto(`${origin}/pay/BROWSER00001`)
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru')
    assert.equal(await page.locator('#amount').innerText(), `50${NBSP}000${NBSP}₸`)
    // The platform's styles applied under the CSP: the button is its green.
    assert.equal(await page.locator('#pay').evaluate((n) => getComputedStyle(n).backgroundColor), 'rgb(26, 127, 55)')
    const credit = page.locator('[data-method=kaspi_kredit]')
    assert.match(
      await credit.innerText(),
      new RegExp(`57${NBSP}000${NBSP}₸[\\s\\S]*\\+7${NBSP}000${NBSP}₸ комиссия 14`),
    )
    await screenshot(page, 'payments-page-ru')

    await credit.click()
    await page.locator('#pay').click()
    await page.locator('#qr-image').waitFor()
    assert.equal(fake.kaspiCalls.length, 1)
    assert.deepEqual(fake.kaspiCalls[0].body, { payment_method: 'kaspi_kredit' })
    assert.match(String(fake.kaspiCalls[0].idempotencyKey), /^[0-9a-f]{32}$/)
    // The QR is a real image the browser decoded, and the link for phones is the Kaspi one.
    assert.ok((await page.locator('#qr-image').evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0)
    assert.equal(await page.locator('#phone-link').getAttribute('href'), 'https://pay.kaspi.kz/pay/BROWSER00001-1')
    assert.match(await status(page), /Ожидаем оплату/)
    assert.equal(await page.locator('#amount').innerText(), `57${NBSP}000${NBSP}₸`)
    await screenshot(page, 'payments-qr-ru')

    fake.set('BROWSER00001', { status: 'paid', amount: 57_000, paid_amount: 57_000, remaining_amount: 0 })
    await page.locator('#status', { hasText: 'Оплачено. Спасибо!' }).waitFor({ timeout: 5_000 })
    assert.equal(await page.locator('#paid-amount').innerText(), `57${NBSP}000${NBSP}₸`)
    assert.equal(await page.locator('#qr-image').count(), 0)
    assert.deepEqual(problems, [])
    await close()
  })

  test('on a phone (390×844): nothing wider than the screen, the button in reach; partly paid, then "Доплатить"', async () => {
    fake.add({
      ...pendingPayment('BROWSER00002', 100_000, 'Тур в Турцию, 7 ночей, вылет из Алматы'),
      status: 'partially_paid',
      payment_method: 'kaspi_gold',
      paid_amount: 87_719,
      remaining_amount: 12_281,
    })
    const { page, problems, close } = await open(PHONE)
    await page.goto(`${origin}/pay/BROWSER00002`)
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390)
    assert.match(await status(page), /Оплачено не полностью/)
    assert.equal(await page.locator('#remaining-amount').innerText(), `12${NBSP}281${NBSP}₸`)
    const button = await page.locator('#pay').boundingBox()
    assert.ok(button && button.x >= 0 && button.x + button.width <= 390, 'the button fits the screen')
    await screenshot(page, 'payments-phone-ru')

    // The seed's "all terminals busy" is said in the page's words, and the button comes back.
    fake.refuseKaspi({
      status: 400,
      body: {
        success: false,
        message: 'Все терминалы заняты, попробуйте позже',
        error_code: 400,
        code: 'TERMINALS_BUSY',
      },
    })
    await page.locator('#pay').tap()
    await page.locator('#pay-error', { hasText: 'Все терминалы заняты' }).waitFor()
    assert.equal(await page.locator('#pay').isEnabled(), true)
    fake.refuseKaspi(undefined)

    assert.equal(await page.locator('#pay').innerText(), 'Доплатить')
    await page.locator('#pay').tap()
    await page.locator('#qr-image').waitFor()
    assert.deepEqual(fake.kaspiCalls.at(-1)?.body, { payment_method: 'kaspi_gold' })
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390)
    await screenshot(page, 'payments-phone-qr-ru')
    assert.deepEqual(problems, [])
    await close()
  })

  test('English by the switch, remembered; a failed attempt is said so and can be tried again', async () => {
    fake.add(pendingPayment('BROWSER00003', 50_000, 'Dubai tour #12345'))
    const { page, problems, close } = await open()
    await page.goto(`${origin}/pay/BROWSER00003`)
    await page.getByText('English').click()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    assert.equal(await page.locator('h1').innerText(), 'Order payment')
    assert.equal(await page.locator('#pay').innerText(), 'Pay')
    assert.match(await page.locator('[data-method=kaspi_rassrochka]').innerText(), /Kaspi Instalments/)
    await screenshot(page, 'payments-page-en')
    await page.goto(`${origin}/pay/BROWSER00003`)
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')

    fake.set('BROWSER00003', { status: 'failed' })
    await page.locator('#status', { hasText: 'The payment did not go through' }).waitFor({ timeout: 8_000 })
    assert.equal(await page.locator('#pay').innerText(), 'Try again')
    fake.set('BROWSER00003', { status: 'expired' })
    await page.locator('#status', { hasText: 'The payment has expired' }).waitFor({ timeout: 8_000 })
    assert.equal(await page.locator('#pay').count(), 0)
    assert.deepEqual(problems, [])
    await close()
  })

  test('without the script the form still pays: the QR comes back from the server', async () => {
    fake.add(pendingPayment('BROWSER00005', 20_000, 'Экскурсия'))
    const { page, close } = await open({ javaScriptEnabled: false })
    await page.goto(`${origin}/pay/BROWSER00005`)
    await page.locator('[data-method=kaspi_red]').click()
    await page.locator('#pay').click()
    await page.locator('#qr-image').waitFor()
    assert.equal(new URL(page.url()).pathname, '/pay/BROWSER00005')
    assert.deepEqual(fake.kaspiCalls.at(-1)?.body, { payment_method: 'kaspi_red' })
    await close()
  })

  test('a description with <script> is shown as text and runs nothing', async () => {
    const hostile = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
    fake.add(pendingPayment('BROWSER00004', 1_000, hostile))
    const { page, close } = await open()
    await page.goto(`${origin}/pay/BROWSER00004`)
    assert.equal(await page.locator('#description').innerText(), hostile)
    assert.doesNotMatch(await page.title(), /pwned/)
    await close()
  })

  test('an unknown id is a 404 page in the browser, in the chosen language', async () => {
    const { page, problems, close } = await open()
    const answer = await page.goto(`${origin}/pay/NOSUCHPAYMNT`)
    assert.equal(answer?.status(), 404)
    assert.equal(await page.locator('h1').innerText(), 'Платёж не найден')
    await page.getByText('English').click()
    assert.equal(await page.locator('h1').innerText(), 'Payment not found')
    assert.deepEqual(problems, [])
    await close()
  })
})
