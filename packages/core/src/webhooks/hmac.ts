/**
 * The one HMAC-SHA256 primitive of the platform: webhook signatures (Standard Webhooks, the ТөлеуБар gateway) and
 * anything else that signs bytes build on it. It imports nothing but `node:crypto`, so protocol packages can use it
 * through `@kokdala/core/hmac` without loading the rest of core.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** A key as text (used as its UTF-8 bytes) or as raw bytes (a decoded `whsec_` secret). */
export type HmacKey = string | Uint8Array

/** HMAC-SHA256 of the data (text as UTF-8) under the key, as raw bytes. */
export function hmacSha256(key: HmacKey, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/** Lower-case hex HMAC-SHA256 of the data (text as UTF-8), as signed webhooks carry it. */
export function hmacSha256Hex(key: HmacKey, data: string | Uint8Array): string {
  return hmacSha256(key, data).toString('hex')
}

/** Standard base64 (with padding) HMAC-SHA256 of the data, as Standard Webhooks signatures carry it. */
export function hmacSha256Base64(key: HmacKey, data: string | Uint8Array): string {
  return hmacSha256(key, data).toString('base64')
}

/**
 * Compares two byte strings in time that does not depend on where they differ, so an attacker cannot learn a
 * signature byte by byte from response times. Different lengths are simply unequal.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Checks a hex HMAC-SHA256 signature in constant time. Anything that is not 64 hex digits is simply wrong (hex
 * case does not matter).
 */
export function verifyHmacSha256Hex(key: HmacKey, data: string | Uint8Array, givenHex: string): boolean {
  if (typeof givenHex !== 'string' || !/^[0-9a-f]{64}$/i.test(givenHex)) return false
  return equalBytes(hmacSha256(key, data), Buffer.from(givenHex, 'hex'))
}
