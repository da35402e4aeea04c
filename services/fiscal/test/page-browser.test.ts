import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { chromiumUnavailable, launchChromium, openBrowserPage, screenshot } from '@kokdala/web-kit/testing'
import type { Browser, Page } from 'playwright-core'
import { ADMIN_TOKEN, SESSION_TOKEN, statusScenario } from './page-scenario.ts'
import { SECRETS } from './secrets.ts'

describe('the fiscal status page in Chromium', { skip: chromiumUnavailable }, () => {
  let fiscal: Awaited<ReturnType<typeof statusScenario>>
  let browser: Browser
  let origin: string

  before(async () => {
    fiscal = await statusScenario()
    origin = await fiscal.app.listen({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await fiscal?.close()
  })

  /** A page whose browser speaks English (so Russian comes from the page), collecting CSP complaints and errors. */
  const open = () => openBrowserPage(browser, { viewport: { width: 1280, height: 900 } })

  async function signIn(page: Page, token = ADMIN_TOKEN) {
    await page.locator('#admin-token').fill(token)
    await page.locator('#login-form button').click()
  }

  /** Everything the page holds: its markup, its visible text, and every input's value. */
  async function everything(page: Page): Promise<string> {
    return page.evaluate(
      () =>
        `${document.documentElement.outerHTML}\n${document.body.innerText}\n${Array.from(
          document.querySelectorAll('input'),
          (i) => i.value,
        ).join('\n')}`,
    )
  }

  test('Russian by default: sign in once, see the parked cashbox, both offline states and the receipt that needs a person', async () => {
    const { page, problems, close } = await open()
    await page.goto(`${origin}/status`)
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru')
    await page.locator('#login').waitFor()
    await screenshot(page, 'fiscal-status-login-ru')
    await signIn(page)
    await page.locator('#cashboxes').waitFor()

    const parked = page.locator('tr[data-cashbox=SWK2]')
    assert.match(await parked.innerText(), /Остановлена \(18\)[\s\S]*18: Касса заблокирована: нет связи с ОФД/)
    assert.match(await page.locator('tr[data-cashbox=SWK3]').innerText(), /Нет связи с Webkassa/)
    assert.match(await page.locator('tr[data-cashbox=SWK1]').innerText(), /Webkassa не связывается с ОФД/)
    assert.match(await page.locator('tr[data-cashbox=SWK1] [data-shift-warning]').innerText(), /скоро 24 ч/)
    assert.match(await page.locator('#token').innerText(), /Поколение\s+1/)
    const attention = page.locator('#attention tr[data-receipt]')
    assert.equal(await attention.count(), 1)
    assert.match(await attention.innerText(), /нужен человек[\s\S]*RETURN_BASIS_MISSING/)
    // The platform's styles applied under the CSP: a parked badge is red.
    assert.equal(
      await parked.locator('[data-state=parked]').evaluate((n) => getComputedStyle(n).color),
      'rgb(176, 0, 32)',
    )
    await screenshot(page, 'fiscal-status-ru')

    // The detail of the receipt that needs a person, through its link, with the token still in the tab.
    await attention.locator('a').click()
    await page.locator('#receipt-status').waitFor()
    assert.match(await page.locator('#receipt-status').innerText(), /нужен человек/)
    assert.match(await page.locator('#receipt-error').innerText(), /RETURN_BASIS_MISSING/)
    await screenshot(page, 'fiscal-receipt-ru')
    assert.deepEqual(problems, [])
    await close()
  })

  test('English through the switch; the page follows changes by itself', async () => {
    const { page, problems, close } = await open()
    await page.goto(`${origin}/status`)
    await signIn(page)
    await page.locator('#cashboxes').waitFor()
    await page.locator('nav.languages a[hreflang=en]').click()
    await page.waitForURL(/lang=en/)
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    // sessionStorage kept the token across the navigation: no second sign-in.
    await page.locator('#cashboxes').waitFor()
    assert.match(await page.locator('tr[data-cashbox=SWK2]').innerText(), /Parked \(18\)/)
    assert.match(await page.locator('tr[data-cashbox=SWK3]').innerText(), /We cannot reach Webkassa/)
    assert.match(await page.locator('tr[data-cashbox=SWK1]').innerText(), /Webkassa cannot reach the OFD/)
    assert.match(await page.locator('#attention').innerText(), /needs a person/)
    await screenshot(page, 'fiscal-status-en')

    // A new receipt that needs a person appears without a reload (the page polls every 5 s).
    const before = await page.locator('#attention-total').innerText()
    await fiscal.app.inject({
      method: 'POST',
      url: '/api/receipts',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: {
        external_id: 'page-live-1',
        positions: [{ name: 'Билет', count: 1, price: 100 }],
        payments: [{ type: 'mobile', sum: 100 }],
      },
    })
    await page.waitForFunction(
      (old) => document.getElementById('queued-total')?.textContent !== old,
      await page.locator('#queued-total').innerText(),
      { timeout: 12_000 },
    )
    assert.equal(await page.locator('#attention-total').innerText(), before)
    assert.deepEqual(problems, [])
    await close()
  })

  test('no token text on the page: not the Webkassa session token, nor any credential, nor the admin token', async () => {
    const { page, close } = await open()
    await page.goto(`${origin}/status`)
    await signIn(page)
    await page.locator('#attention').waitFor()
    for (const lang of ['ru', 'en']) {
      await page.goto(`${origin}/status?lang=${lang}`)
      await page.locator('#attention').waitFor()
      const text = await everything(page)
      for (const secret of [
        SESSION_TOKEN,
        SECRETS.tokenMarker,
        SECRETS.password,
        SECRETS.apiKey,
        SECRETS.login,
        ADMIN_TOKEN,
      ]) {
        assert.ok(!text.includes(secret), `the ${lang} page holds ${secret}`)
      }
    }
    await close()
  })

  test('a wrong admin token is refused and the form asks again; signing out forgets the token', async () => {
    const { page, close } = await open()
    await page.goto(`${origin}/status`)
    await signIn(page, 'not-the-admin-token-not-the-admin-token')
    await page.locator('#login-error').waitFor()
    assert.match(await page.locator('#login-error').innerText(), /Токен не подошёл/)
    assert.equal(await page.evaluate(() => sessionStorage.length), 0)
    await signIn(page)
    await page.locator('#cashboxes').waitFor()
    await page.locator('#sign-out').click()
    await page.locator('#login').waitFor()
    assert.equal(await page.locator('#cashboxes').count(), 0)
    assert.equal(await page.evaluate(() => sessionStorage.length), 0)
    await close()
  })
})
