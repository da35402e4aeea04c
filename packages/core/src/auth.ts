import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export interface BasicCredentials {
  username: string
  password: string
}

/**
 * Decodes an `Authorization: Basic …` header as UTF-8 and splits at the first colon,
 * because passwords may contain colons and usernames never do.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (!header || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
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

/** A bounded map with per-entry expiry: the oldest entries go first when full. */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>()
  readonly #maxEntries: number
  readonly #ttlMs: number
  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
  }
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }
  set(key: K, value: V, now = Date.now()): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as K)
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs })
  }
  clear(): void {
    this.#entries.clear()
  }
}

/** Lower-case hex HMAC-SHA256 of the data (text as UTF-8), as signed webhooks carry it. */
export function hmacSha256Hex(secret: string, data: string | Uint8Array): string {
  return createHmac('sha256', secret).update(data).digest('hex')
}

/**
 * Checks a hex HMAC-SHA256 signature in constant time, so an attacker cannot learn the right signature byte by
 * byte from response times. Anything that is not 64 hex digits is simply wrong (hex case does not matter).
 */
export function verifyHmacSha256Hex(secret: string, data: string | Uint8Array, givenHex: string): boolean {
  if (typeof givenHex !== 'string' || !/^[0-9a-f]{64}$/i.test(givenHex)) return false
  const expected = createHmac('sha256', secret).update(data).digest()
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'))
}
