import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import { type Markup, renderDocument } from './html.ts'

declare module 'fastify' {
  interface FastifyReply {
    /** This response's CSP nonces, on routes registered beside `webPages` (null elsewhere). */
    cspNonce: { style: string; script: string } | null
  }
}

const NONCE = Symbol('csp nonce')
type ResponseWithNonce = ServerResponse & { [NONCE]?: string }
const nonceSource = (_request: IncomingMessage, response: ServerResponse) =>
  `'nonce-${(response as ResponseWithNonce)[NONCE]}'`

/**
 * The Content-Security-Policy of every page: nothing loads unless named. Styles and inline scripts need the
 * response's nonce; scripts may also come from this origin (the live-channel client); `connect-src 'self'` lets
 * them open a WebSocket back to it. `form-action` stays unset on purpose: a payment form's answer redirects to the
 * merchant's own origin, and browsers check redirects of a form submission against it.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  styleSrc: [nonceSource],
  scriptSrc: ["'self'", nonceSource],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
}

// Built once (`@fastify/helmet` with nonces builds helmet anew for every request, options parsed each time); helmet
// reads each response's nonce through the directive functions above. ≈ 20 µs of CPU a page, measured.
const securityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  frameguard: { action: 'deny' },
})

/** Parses urlencoded form posts into flat string fields: a repeated field keeps its last value, as in browsers' forms. */
function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body))
}

/** A 400 with core's stable code, thrown without depending on core (its error handler maps it by the status). */
function nulInForm(): Error {
  return Object.assign(new Error('NUL characters are not allowed'), { statusCode: 400, code: 'VALIDATION_FAILED' })
}

/**
 * Makes the routes registered beside it into web pages: security headers (helmet: a CSP with a per-response nonce,
 * `X-Frame-Options: DENY`, `nosniff`, no referrer…) and urlencoded form posts. It applies to the plugin that
 * registers it, so JSON routes elsewhere in the service pay nothing for it.
 */
export const webPages = fp(
  async (app) => {
    if (!app.hasReplyDecorator('cspNonce')) app.decorateReply('cspNonce', null)
    app.addHook('onRequest', (request, reply, done) => {
      const nonce = randomBytes(16).toString('base64url')
      reply.cspNonce = { style: nonce, script: nonce }
      ;(reply.raw as ResponseWithNonce)[NONCE] = nonce
      securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined))
    })
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        const fields = parseForm(body as string)
        // The same rule as core's JSON parser: PostgreSQL text cannot hold NUL, so a field with one (`%00`) would
        // reach a handler only to fail as a 500 at its insert.
        if (Object.entries(fields).some(([name, value]) => name.includes('\0') || value.includes('\0'))) {
          return done(nulInForm(), undefined)
        }
        done(null, fields)
      })
    }
  },
  { fastify: '5.x', name: '@kokdala/web-kit:pages' },
)

/** Sends a rendered page; pages carry personal or payment data, so no cache keeps them. */
export function sendPage(reply: FastifyReply, markup: Markup, status = 200): FastifyReply {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderDocument(markup))
}
