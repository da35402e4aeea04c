import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { defineMessages, html, Layout, openPage, requestLanguage, sendPage, webPages } from '../src/index.ts'

const text = defineMessages({ ru: { hello: 'Здравствуйте' }, en: { hello: 'Hello' } })

/** A service with one page plugin (with the security headers) beside a JSON route (without them). */
async function service() {
  const app = Fastify()
  await app.register(async (pages) => {
    await pages.register(webPages)
    pages.get('/hello', async (request, reply) => {
      const page = openPage(reply, text, requestLanguage(request, reply))
      return sendPage(reply, html`<${Layout} page=${page} title=${page.t.hello}><h1>${page.t.hello}</h1><//>`)
    })
    pages.post('/form', async (request) => request.body)
  })
  app.get('/api/data', async () => ({ ok: true }))
  return app
}

test('a page carries a CSP whose per-response nonce is the one on its <style>, and framing is refused', async () => {
  const app = await service()
  const [first, second] = [await app.inject('/hello'), await app.inject('/hello')]
  const csp = String(first.headers['content-security-policy'])
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.doesNotMatch(csp, /unsafe-inline/)
  const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1]
  assert.ok(nonce, csp)
  assert.ok(first.body.includes(`<style nonce="${nonce}">`), first.body)
  assert.notEqual(second.headers['content-security-policy'], csp, 'a fresh nonce for every response')
  assert.equal(first.headers['x-frame-options'], 'DENY')
  assert.equal(first.headers['x-content-type-options'], 'nosniff')
  assert.equal(first.headers['cache-control'], 'no-store')
  assert.match(String(first.headers['content-type']), /^text\/html; charset=utf-8/)
  await app.close()
})

test('JSON routes outside the page plugin get none of it', async () => {
  const app = await service()
  const api = await app.inject('/api/data')
  assert.equal(api.headers['content-security-policy'], undefined)
  assert.equal(api.headers['x-frame-options'], undefined)
  await app.close()
})

test('the switch remembers the language in a cookie; the browser language decides until then', async () => {
  const app = await service()
  const english = await app.inject({ url: '/hello', headers: { 'accept-language': 'en-US,en;q=0.9' } })
  assert.match(english.body, /<html lang="en">/)
  assert.equal(english.headers['set-cookie'], undefined, 'only an explicit choice is remembered')
  const switched = await app.inject({ url: '/hello?lang=ru', headers: { 'accept-language': 'en-US' } })
  assert.match(switched.body, /<h1>Здравствуйте<\/h1>/)
  const cookie = String(switched.headers['set-cookie'])
  assert.match(cookie, /^lang=ru; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/)
  const later = await app.inject({ url: '/hello', headers: { 'accept-language': 'en-US', cookie: 'lang=ru' } })
  assert.match(later.body, /<html lang="ru">/)
  const junk = await app.inject({ url: '/hello?lang=<b>', headers: { cookie: 'lang=%3Cscript%3E' } })
  assert.equal(junk.statusCode, 200)
  assert.match(junk.body, /<html lang="ru">/)
  await app.close()
})

test('urlencoded posts arrive as flat string fields', async () => {
  const app = await service()
  const posted = await app.inject({
    method: 'POST',
    url: '/form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'CardNumber=4111+1111&Email=a%40b.kz&CardNumber=4000',
  })
  assert.deepEqual(posted.json(), { CardNumber: '4000', Email: 'a@b.kz' })
  await app.close()
})

test('two page plugins in one service each get their headers without clashing', async () => {
  const app = Fastify()
  for (const prefix of ['/a', '/b']) {
    await app.register(
      async (pages) => {
        await pages.register(webPages)
        pages.get('/', async (_request, reply) => sendPage(reply, html`<p>${prefix}</p>`))
      },
      { prefix },
    )
  }
  for (const url of ['/a', '/b']) {
    assert.match(String((await app.inject(url)).headers['content-security-policy']), /nonce-/)
  }
  await app.close()
})
