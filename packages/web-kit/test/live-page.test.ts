import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Fastify from 'fastify'
import type { Browser } from 'playwright-core'
import {
  createLiveHub,
  defineMessages,
  html,
  Layout,
  liveChannel,
  ModuleScript,
  openPage,
  requestLanguage,
  sendPage,
  webPages,
} from '../src/index.ts'
import { chromiumUnavailable, launchChromium, openBrowserPage } from '../src/testing.ts'

const text = defineMessages({
  ru: { title: 'Компьютер 7', waiting: 'Ожидание' },
  en: { title: 'PC 7', waiting: 'Waiting' },
})

// What the lock screen (or the fiscal status page) does: the status is rendered on the server, then a module script
// under the response's nonce imports the live client from this origin and updates it on every push.
const BOOTSTRAP = `import { connectLive } from '/live/client.js'
connectLive({ url: '/live', topics: ['pc:7'], onStatus: (s) => { document.body.dataset.live = s },
  onMessage: (_topic, data) => { document.getElementById('status').textContent = data.status } })`

describe('a live page in Chromium, under the platform CSP', { skip: chromiumUnavailable }, () => {
  const hub = createLiveHub()
  const app = Fastify()
  let browser: Browser
  let origin: string

  before(async () => {
    await app.register(async (pages) => {
      await pages.register(webPages)
      pages.get('/pc/7', async (request, reply) => {
        const page = openPage(reply, text, requestLanguage(request, reply))
        return sendPage(
          reply,
          html`<${Layout} page=${page} title=${page.t.title}>
            <h1>${page.t.title}</h1>
            <p id="status">${page.t.waiting}</p>
            <${ModuleScript} page=${page} code=${BOOTSTRAP} />
          <//>`,
        )
      })
    })
    await app.register(liveChannel, { hub, authorize: (_request, topics) => topics.every((t) => t === 'pc:7') })
    origin = await app.listen({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await app.close()
  })

  test('the nonce lets the bootstrap run, the client loads from our origin, and pushes reach the page', async () => {
    const { page, cspViolations, close } = await openBrowserPage(browser, { locale: 'ru-RU' })
    await page.goto(`${origin}/pc/7`)
    assert.equal(await page.locator('#status').innerText(), 'Ожидание')
    await page.waitForFunction(() => document.body.dataset.live === 'open')
    hub.publish('pc:7', { status: 'Разблокирован' })
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Разблокирован')
    assert.deepEqual(cspViolations, [])
    await close()
  })

  test('an injected inline script without the nonce is refused by the browser', async () => {
    const { page, cspViolations, close } = await openBrowserPage(browser)
    await page.goto(`${origin}/pc/7`)
    await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'document.title = "pwned"'
      document.body.append(script)
    })
    assert.notEqual(await page.title(), 'pwned')
    assert.equal(cspViolations.length, 1)
    await close()
  })
})
