import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { chromiumUnavailable, launchChromium, openBrowserPage } from '@kokdala/web-kit/testing'
import type { Browser } from 'playwright-core'
import { client, sourceToken, startPayments } from './harness.ts'

const NBSP = '\u00a0'

describe('the payment page on the real payments API, in Chromium', { skip: chromiumUnavailable }, () => {
  let payments: Awaited<ReturnType<typeof startPayments>>
  let browser: Browser
  let origin: string
  let token: string

  before(async () => {
    payments = await startPayments()
    token = await sourceToken(payments)
    origin = await payments.app.listen({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await payments?.close()
  })

  async function newPayment(amount: number, description: string) {
    const init = await client(payments, token).init({
      amount,
      description,
      customer_name: 'Иванов Иван Иванович',
      customer_phone: '+77001234567',
      customer_email: 'ivan@example.com',
    })
    assert.equal(init.status, 201, JSON.stringify(init.body))
    return init.body.data.transaction_id as string
  }

  test('credit chosen, QR from the terminal, paid on the terminal: the page follows to "paid"', async () => {
    const id = await newPayment(100_000, 'Тур в Турцию')
    const { page, problems, close } = await openBrowserPage(browser)
    await page.goto(`${origin}/pay/${id}`)
    assert.equal(await page.locator('#amount').innerText(), `100${NBSP}000${NBSP}₸`)
    assert.match(await page.locator('[data-method=kaspi_kredit]').innerText(), new RegExp(`114${NBSP}000${NBSP}₸`))
    assert.doesNotMatch(await page.content(), /Иванов|77001234567|ivan@example/)

    await page.locator('[data-method=kaspi_kredit]').click()
    await page.locator('#pay').click()
    await page.locator('#qr-image').waitFor()
    const started = payments.terminals.calls.find((call) => call.op === 'start')
    assert.equal(started?.amountTenge, 114_000)
    assert.equal(await page.locator('#amount').innerText(), `114${NBSP}000${NBSP}₸`)
    assert.match(String(await page.locator('#phone-link').getAttribute('href')), /^https:\/\/pay\.kaspi\.kz\/pay\//)

    payments.terminals.pay(started?.attemptId ?? 0, 'Credit')
    await page.locator('#status', { hasText: 'Оплачено. Спасибо!' }).waitFor({ timeout: 5_000 })
    assert.equal(await page.locator('#paid-amount').innerText(), `114${NBSP}000${NBSP}₸`)
    assert.deepEqual(problems, [])
    await close()
  })

  test('paid by Gold when credit was chosen: partly paid, 14 000 left, "Доплатить" prices Gold at 12 281', async () => {
    const id = await newPayment(100_000, 'Тур')
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/pay/${id}`)
    await page.locator('[data-method=kaspi_kredit]').click()
    await page.locator('#pay').click()
    await page.locator('#qr-image').waitFor()
    const started = payments.terminals.calls.filter((call) => call.op === 'start').at(-1)
    payments.terminals.pay(started?.attemptId ?? 0, 'Gold', 100_000)
    await page.locator('#status', { hasText: 'Оплачено не полностью' }).waitFor({ timeout: 5_000 })
    assert.equal(await page.locator('#remaining-amount').innerText(), `14${NBSP}000${NBSP}₸`)
    assert.match(await page.locator('[data-method=kaspi_gold]').innerText(), new RegExp(`12${NBSP}281${NBSP}₸`))
    await page.locator('[data-method=kaspi_gold]').click()
    await page.locator('#pay').click()
    await page.locator('#qr-image').waitFor()
    const topUp = payments.terminals.calls.filter((call) => call.op === 'start').at(-1)
    assert.equal(topUp?.amountTenge, 12_281)
    await context.close()
  })
})
