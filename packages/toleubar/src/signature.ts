import { hmacSha256Hex, verifyHmacSha256Hex } from '@kokdala/core/hmac'

const PREFIX = 'sha256='

/** `sha256=<hex HMAC-SHA256(secret, raw body)>`, the value of the gateway's `X-Webhook-Signature` header. */
export function signWebhook(secret: string, rawBody: string | Uint8Array): string {
  return `${PREFIX}${hmacSha256Hex(secret, rawBody)}`
}

/**
 * Verifies an `X-Webhook-Signature` header against the raw request bytes in constant time. Re-serialising parsed
 * JSON would change the bytes, so callers must keep the raw body.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false
  const value = header.trim()
  return value.startsWith(PREFIX) && verifyHmacSha256Hex(secret, rawBody, value.slice(PREFIX.length))
}
