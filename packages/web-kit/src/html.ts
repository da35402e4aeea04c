import { html as preactHtml } from 'htm/preact'
import { Fragment, h } from 'preact'
import { renderToString } from 'preact-render-to-string'

/**
 * Markup as a tagged template: JSX's syntax with no build step, so the same components run in Node and in a
 * browser bundle. Markup comes only from the template's literal text and from components; every interpolated value
 * is a text node or an attribute value and is escaped when rendered, whatever it contains.
 */
export const html = preactHtml

/** What `html` returns: one element, or several side by side. */
export type Markup = ReturnType<typeof preactHtml>

/** A complete HTML document: the doctype, then the rendered tree. */
export function renderDocument(markup: Markup): string {
  return `<!doctype html>${renderToString(h(Fragment, null, markup))}`
}
