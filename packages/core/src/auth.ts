import { createHash, timingSafeEqual } from 'node:crypto'

export interface BasicCredentials {
  username: string
  password: string
}

/**
 * The longest `Authorization: Basic …` header accepted: room for a 254-character e-mail (the SMTP limit) and a
 * long password, while a header can never make a cache key or a database parameter of kilobytes.
 */
export const MAX_BASIC_AUTH_HEADER_LENGTH = 1024

// RFC 7235: the scheme is case-insensitive and followed by one or more spaces; RFC 7617: the credentials are
// standard base64 (the token68 alphabet without the URL-safe characters) with its `=` padding.
const BASIC_HEADER = /^basic +([A-Za-z0-9+/]+={0,2})$/i
// Fatal: invalid UTF-8 is refused instead of becoming U+FFFD, so two byte strings never decode to one text.
// ignoreBOM keeps a leading U+FEFF instead of dropping it, for the same reason.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
// RFC 7617 forbids control characters in user-id and password (Cc: C0, DEL and C1). A NUL would reach
// PostgreSQL, which cannot hold it in text.
const CONTROL = /\p{Cc}/u

/**
 * The base64 part of a Basic header exactly as sent, without checking it. Only for looking up values that
 * `parseBasicAuth` accepted before: what it accepts is canonical, so each set of credentials has one token.
 */
export function basicAuthToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_BASIC_AUTH_HEADER_LENGTH) return undefined
  return BASIC_HEADER.exec(header)?.[1]
}

/**
 * Decodes an `Authorization: Basic …` header as UTF-8 and splits at the first colon, because passwords may
 * contain colons and usernames never do. Strict, so that one set of credentials has exactly one token (see
 * `basicAuthToken`): only canonical base64 (encoding the bytes again gives the same text: no junk after the
 * padding, no missing padding, no stray bits), valid UTF-8, no control characters, at most
 * `MAX_BASIC_AUTH_HEADER_LENGTH` characters. Anything else is no credentials at all.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const token = basicAuthToken(header)
  if (!token || token.length % 4 !== 0) return undefined
  const bytes = Buffer.from(token, 'base64')
  if (bytes.toString('base64') !== token) return undefined
  let decoded: string
  try {
    decoded = utf8.decode(bytes)
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(':')
  if (colon <= 0 || CONTROL.test(decoded)) return undefined
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** The `Authorization` header value for Basic credentials (UTF-8, as `parseBasicAuth` reads them). */
export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
}

/** Lower-case hex SHA-256 of the UTF-8 text. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Compares two strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export interface TtlCacheOptions<K, V> {
  /**
   * A budget for the estimated memory of all entries, in bytes, with `sizeOf` estimating one entry: the oldest
   * entries go first when a new one would exceed it. Without it only the entry count is bounded.
   */
  maxBytes?: number
  sizeOf?: (key: K, value: V) => number
}

/**
 * A bounded map with one expiry time for all entries: the oldest entries go first when full (by count or by
 * bytes). Entries are kept in insertion order, which with one TTL is expiry order, so every `set` drops the
 * expired entries at the head cheaply: memory is given back even for entries nobody reads again.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number; bytes: number }>()
  readonly #maxEntries: number
  readonly #ttlMs: number
  readonly #maxBytes: number
  readonly #sizeOf: ((key: K, value: V) => number) | undefined
  #bytes = 0
  constructor(maxEntries: number, ttlMs: number, options: TtlCacheOptions<K, V> = {}) {
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.#sizeOf = options.sizeOf
  }
  /** How many entries are held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size
  }
  /** The estimated memory of the entries held (0 without `sizeOf`). */
  get bytes(): number {
    return this.#bytes
  }
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= now) {
      this.#delete(key)
      return undefined
    }
    return entry.value
  }
  set(key: K, value: V, now = Date.now()): void {
    this.#delete(key)
    this.#dropExpired(now)
    const bytes = this.#sizeOf?.(key, value) ?? 0
    // An entry larger than the whole budget is not kept, rather than emptying the cache for it.
    if (bytes > this.#maxBytes) return
    while (this.#entries.size > 0 && (this.#entries.size >= this.#maxEntries || this.#bytes + bytes > this.#maxBytes)) {
      this.#delete(this.#entries.keys().next().value as K)
    }
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs, bytes })
    this.#bytes += bytes
  }
  delete(key: K): void {
    this.#delete(key)
  }
  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
  #delete(key: K): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }
  #dropExpired(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) return
      this.#entries.delete(key)
      this.#bytes -= entry.bytes
    }
  }
}
