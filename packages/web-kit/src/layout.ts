import type { FastifyReply } from 'fastify'
import { html, type Markup } from './html.ts'
import { LANGUAGE_NAMES, LANGUAGES, type Language } from './i18n.ts'

/** What every component of a page may need: its language, its texts, and the request's CSP nonces. */
export interface Page<M> {
  lang: Language
  t: M
  /** Nonces the security headers allow for this response's inline `<style>` and `<script>` (empty without them). */
  nonce: { style: string; script: string }
  /** Where the language switch's link to another language points. */
  switchHref: (lang: Language) => string
}

/**
 * Opens a page in `lang`. The switch links to `?lang=…` on the same path unless the page says otherwise (a form
 * re-rendered after a POST links back to the GET that shows it).
 */
export function openPage<M>(
  reply: FastifyReply,
  messages: (lang: Language) => M,
  lang: Language,
  switchHref: (lang: Language) => string = (other) => `?lang=${other}`,
): Page<M> {
  return { lang, t: messages(lang), nonce: reply.cspNonce ?? { style: '', script: '' }, switchHref }
}

/** The platform's look: a centred card on a grey page, system fonts, green primary and red secondary buttons. */
export const BASE_CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#222;background:#f4f5f7;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem}
main{background:#fff;padding:1.5rem 2rem 2rem;border-radius:12px;box-shadow:0 2px 12px #0002;max-width:28rem;width:100%}
nav.languages{text-align:right;font-size:.9rem;margin-bottom:.25rem}
h1{font-size:1.3rem;margin:0 0 .75rem}
.notice{color:#8a5a00;background:#fff6e0;padding:.5rem .75rem;border-radius:6px}
.error{color:#b00020;background:#fde7ea;padding:.5rem .75rem;border-radius:6px}
.hint{color:#666;font-size:.85rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{color:#666}dd{margin:0;font-weight:600}
label{display:block;margin:.6rem 0 .2rem}
input{width:100%;padding:.5rem;font-size:1rem;border:1px solid #bbb;border-radius:6px}
button{font-size:1rem;padding:.6rem 1.4rem;border:0;border-radius:8px;background:#1a7f37;color:#fff;cursor:pointer}
button.secondary{background:#c62828}
`

export interface LayoutProps {
  page: Page<unknown>
  title: string
  /** The page's own rules, after the platform's. */
  css?: string
  children?: Markup
}

/** The document every page shares: head, styles under the CSP nonce, the language switch, and the page in `<main>`. */
export function Layout({ page, title, css = '', children }: LayoutProps): Markup {
  const others = LANGUAGES.filter((lang) => lang !== page.lang)
  // Raw HTML is allowed in two places only, both in this file: constant CSS here and `ModuleScript`'s constant code.
  const styles = { __html: BASE_CSS + css }
  return html`<html lang=${page.lang}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <style nonce=${page.nonce.style || undefined} dangerouslySetInnerHTML=${styles}></style>
    </head>
    <body>
      <main>
        <nav class="languages">
          ${others.map(
            (lang) => html`<a href=${page.switchHref(lang)} hreflang=${lang} lang=${lang}>${LANGUAGE_NAMES[lang]}</a>`,
          )}
        </nav>
        ${children}
      </main>
    </body>
  </html>`
}

/**
 * A page's own inline module script, allowed by the response's nonce (a lock screen's bootstrap of the live client,
 * say). `code` is a constant written in this repository: page data reach a script through `data-*` attributes of
 * the markup, which are escaped, never by splicing them into code.
 */
export function ModuleScript({ page, code }: { page: Page<unknown>; code: string }): Markup {
  return html`<script type="module" nonce=${page.nonce.script || undefined} dangerouslySetInnerHTML=${{ __html: code }}></script>`
}
