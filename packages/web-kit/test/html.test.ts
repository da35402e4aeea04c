import assert from 'node:assert/strict'
import { test } from 'node:test'
import { html, Layout, type Page, renderDocument } from '../src/index.ts'

const HOSTILE = `</p><script>alert("x")</script><img src=x onerror='alert(1)'> & "quotes"`

function page(lang: 'ru' | 'en' = 'ru', nonce = ''): Page<unknown> {
  return { lang, t: {}, nonce: { style: nonce, script: nonce }, switchHref: (other) => `/here?lang=${other}` }
}

test('a hostile string is text in a text node and in an attribute, never markup', () => {
  const out = renderDocument(html`<p title=${HOSTILE} data-x=${HOSTILE}>${HOSTILE}</p>`)
  assert.doesNotMatch(out, /<script/)
  assert.doesNotMatch(out, /<img/)
  assert.doesNotMatch(out, /<\/p><script/)
  assert.match(out, /&lt;\/p>&lt;script>alert\(&quot;x&quot;\)&lt;\/script>|&lt;\/p&gt;&lt;script&gt;/)
  // Attribute values cannot be closed by a quote inside them.
  assert.doesNotMatch(out, /title="[^"]*"[^ >]*onerror/)
  assert.equal((out.match(/<p /g) ?? []).length, 1)
})

test('an object shaped like an element (parsed JSON, say) is not rendered as one', () => {
  const forged = JSON.parse('{"type":"script","props":{"children":"alert(1)"},"key":null}')
  const out = renderDocument(html`<div>${forged}</div>`)
  assert.doesNotMatch(out, /<script/)
})

test('the layout: doctype, the page language, the other language in the switch, styles under the nonce', () => {
  const out = renderDocument(html`<${Layout} page=${page('ru', 'abc123')} title=${HOSTILE}><h1>Заказ</h1><//>`)
  assert.ok(out.startsWith('<!doctype html><html lang="ru">'), out.slice(0, 60))
  assert.match(out, /<a href="\/here\?lang=en" hreflang="en" lang="en">English<\/a>/)
  assert.doesNotMatch(out, />Русский</)
  assert.match(out, /<style nonce="abc123">/)
  assert.match(out, /<main>.*<h1>Заказ<\/h1>/s)
  // The title is data too.
  assert.doesNotMatch(out, /<title>[^<]*<script/)
  const english = renderDocument(html`<${Layout} page=${page('en')} title="Order"><p>x</p><//>`)
  assert.match(english, /<html lang="en">/)
  assert.match(english, />Русский<\/a>/)
  assert.match(english, /<style>/, 'no empty nonce attribute without security headers')
})
