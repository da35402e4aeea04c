import { parseCookie, stringifySetCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language } from './i18n.ts'

/** The cookie that remembers a language chosen with the switch. */
export const LANGUAGE_COOKIE = 'lang'
const YEAR_SECONDS = 365 * 24 * 60 * 60

/** Where a page may look for its language, in this order. */
export type LanguageSource = 'query' | 'cookie' | 'accept-language'

export interface LanguageClues {
  /** `?lang=`, the language switch's link: an explicit choice. */
  query?: unknown
  /** The remembered choice. */
  cookie?: unknown
  /** The browser's `Accept-Language` header. */
  acceptLanguage?: string
  /** The page's own default when no clue names a language we have (a merchant's choice, say). */
  fallback?: Language
}

/**
 * The language of a page: an explicit `?lang=` first, then the remembered choice, then the browser's preference,
 * then the page's own default, then Russian. Unknown or malformed values are skipped, never an error.
 */
export function chooseLanguage({ query, cookie, acceptLanguage, fallback }: LanguageClues): Language {
  if (isLanguage(query)) return query
  if (isLanguage(cookie)) return cookie
  if (acceptLanguage) {
    // Negotiator ranks by q-value and matches "en-US" to "en"; "*" takes the first we offer, Russian.
    const preferred = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language([...LANGUAGES])
    if (isLanguage(preferred)) return preferred
  }
  return fallback ?? DEFAULT_LANGUAGE
}

export interface RequestLanguageOptions {
  /** The clues this page trusts (all three unless told). A payment page whose language the merchant set, say, names fewer. */
  sources?: readonly LanguageSource[]
  fallback?: Language
}

/**
 * The language of a page request, from the sources the page trusts. A language chosen with `?lang=` is remembered
 * in a cookie when the page trusts the cookie, so the next page opens in it.
 */
export function requestLanguage(
  request: FastifyRequest,
  reply: FastifyReply,
  { sources = ['query', 'cookie', 'accept-language'], fallback }: RequestLanguageOptions = {},
): Language {
  const query = sources.includes('query') ? (request.query as { lang?: unknown } | undefined)?.lang : undefined
  const cookieHeader = sources.includes('cookie') ? request.headers.cookie : undefined
  const lang = chooseLanguage({
    query,
    cookie: cookieHeader ? parseCookie(cookieHeader)[LANGUAGE_COOKIE] : undefined,
    acceptLanguage: sources.includes('accept-language') ? request.headers['accept-language'] : undefined,
    fallback,
  })
  if (sources.includes('cookie') && isLanguage(query)) {
    reply.header(
      'set-cookie',
      stringifySetCookie({
        name: LANGUAGE_COOKIE,
        value: lang,
        path: '/',
        maxAge: YEAR_SECONDS,
        sameSite: 'lax',
        httpOnly: true,
      }),
    )
  }
  return lang
}
