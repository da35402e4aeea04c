import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { defineMessages, html, Layout, openPage, requestLanguage, sendPage, webPages } from '../src/index.ts'

const text = defineMessages({ ru: { hello: 'Здравствуйте' }, en: { hello: 'Hello' } })

async function service() {
  const app = Fastify()
  await app.register(async (pages) => {
    await pages.register(webPages)
    pages.get('/hello', async (request, reply) => {
      const page = openPage(reply, text, requestLanguage(request, reply))
      const name = String((request.query as { name?: string }).name ?? '')
      return sendPage(reply, html`<${Layout} page=${page} title=${name}><p title=${name}>${name}</p><//>`)
    })
    pages.post('/form', async (request) => request.body)
  })
  return app
}

test('a form field with NUL is a 400 VALIDATION_FAILED before any handler, as JSON bodies are', async (t) => {
  const app = await service()
  t.after(() => app.close())
  for (const payload of ['Email=a%00b', 'a%00=1', 'x=1&Email=%00']) {
    const response = await app.inject({
      method: 'POST',
      url: '/form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    })
    assert.equal(response.statusCode, 400, payload)
    assert.equal(response.json().code, 'VALIDATION_FAILED')
  }
})

test('interpolated text is escaped in text and attributes; lang cannot inject headers', async (t) => {
  const app = await service()
  t.after(() => app.close())
  const attack = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
  const page = await app.inject({ url: `/hello?name=${encodeURIComponent(attack)}&lang=en%0d%0aSet-Cookie:%20x=1` })
  assert.equal(page.statusCode, 200)
  assert.ok(!page.body.includes('<script>alert'), 'no script element')
  assert.ok(!page.body.includes('<img'), 'no img element')
  assert.ok(page.body.includes('&lt;script>') || page.body.includes('&lt;script&gt;'))
  assert.equal(page.headers['set-cookie'], undefined, 'an unknown lang sets no cookie')
  const chosen = await app.inject({ url: '/hello?lang=en', headers: { cookie: `lang=${'x'.repeat(4000)}` } })
  assert.match(String(chosen.headers['set-cookie']), /^lang=en; /)
})
