import { createHmac, timingSafeEqual } from 'node:crypto'

/** `sha256=<hex HMAC-SHA256(secret, raw body)>`, the value of the gateway's `X-Webhook-Signature` header. */
export function signWebhook(secret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`
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
  const expected = Buffer.from(signWebhook(secret, rawBody))
  const given = Buffer.from(header.trim())
  return given.length === expected.length && timingSafeEqual(given, expected)
}
