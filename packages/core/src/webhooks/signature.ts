/**
 * Standard Webhooks (standardwebhooks.com) signing and verification. The signed content is
 * `<webhook-id>.<webhook-timestamp>.<raw body bytes>`; `webhook-signature` carries one or more space-separated
 * `v1,<base64 HMAC-SHA256>` values, one per secret the sender signs with, so a receiver holding either the old or
 * the new secret accepts a message during a rotation.
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { equalBytes, hmacSha256 } from './hmac.ts'

/** The default tolerance for `webhook-timestamp`, both ways, as the specification recommends: 5 minutes. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300

const SECRET_PREFIX = 'whsec_'
// The specification asks for 24 to 64 bytes of key; fewer is too weak to sign money with.
const MIN_KEY_BYTES = 24
const MAX_KEY_BYTES = 64
// Bounds on what a receiver reads from headers before any HMAC: a request cannot buy work with a huge header.
const MAX_ID_LENGTH = 256
const MAX_SIGNATURE_HEADER_LENGTH = 4096
const TIMESTAMP = /^[0-9]{1,12}$/

/** A secret that stops signing and verifying at `expiresAt`: a rotated-out secret in its grace period. */
export interface ExpiringWebhookSecret {
  secret: string
  expiresAt?: Date | null
}

/** One `whsec_` secret, or several during a rotation (each without `expiresAt` stays valid). */
export type WebhookSecrets = string | ReadonlyArray<string | ExpiringWebhookSecret>

/** The three headers of a Standard Webhooks message. */
export interface StandardWebhookHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/** Why a message was refused; stable, so receivers can count them. */
export type WebhookVerifyFailure =
  | 'missing-headers'
  | 'invalid-headers'
  | 'timestamp-too-old'
  | 'timestamp-too-new'
  | 'no-valid-secret'
  | 'no-matching-signature'

export type WebhookVerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: WebhookVerifyFailure }

/** A new random secret in the `whsec_<base64 of 32 bytes>` form receivers paste into their configuration. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

/**
 * The HMAC key of a `whsec_` secret. Throws on anything else: a secret comes from configuration or our own table,
 * so a bad one is a bug to see at once, not a message to refuse.
 */
export function webhookSecretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError(`a webhook secret starts with ${SECRET_PREFIX}`)
  }
  const encoded = secret.slice(SECRET_PREFIX.length)
  const key = Buffer.from(encoded, 'base64')
  if (key.toString('base64') !== encoded || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new TypeError(
      `a webhook secret is ${SECRET_PREFIX} and the base64 of ${MIN_KEY_BYTES}–${MAX_KEY_BYTES} bytes`,
    )
  }
  return key
}

/** The keys of the secrets still valid at `now`, in the order given. */
function liveKeys(secrets: WebhookSecrets, now: Date): Buffer[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets
  const keys: Buffer[] = []
  for (const entry of list) {
    const { secret, expiresAt } = typeof entry === 'string' ? { secret: entry, expiresAt: null } : entry
    if (expiresAt && expiresAt.getTime() <= now.getTime()) continue
    keys.push(webhookSecretKey(secret))
  }
  return keys
}

function signedContent(id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), Buffer.from(body)])
}

/**
 * The `webhook-signature` value of a message: `v1,<base64>` for every secret valid at `now`, space-separated.
 * Throws when no secret is valid: an unsigned webhook must never leave.
 */
export function signStandardWebhook(
  secrets: WebhookSecrets,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
  now = new Date(timestamp * 1000),
): string {
  return createWebhookSigner(secrets)(id, timestamp, body, now)
}

/** Signs messages as `signStandardWebhook` does, with secrets decoded once. */
export type WebhookSigner = (id: string, timestamp: number, body: string | Uint8Array, now: Date) => string

/**
 * A signer for many messages under the same secrets: each `whsec_` secret is checked and decoded once here, not
 * once per message (a delivery batch signs all its messages for an endpoint with one). Which secrets are valid is
 * still decided per message, at its `now`. Throws at once on a malformed secret, as `webhookSecretKey` does.
 */
export function createWebhookSigner(secrets: WebhookSecrets): WebhookSigner {
  const list = typeof secrets === 'string' ? [secrets] : secrets
  const keys = list.map((entry) => {
    const { secret, expiresAt } = typeof entry === 'string' ? { secret: entry, expiresAt: null } : entry
    return { secret, key: undefined as KeyObject | undefined, expiresAt: expiresAt ? expiresAt.getTime() : null }
  })
  return (id, timestamp, body, now) => {
    const prefix = `${id}.${timestamp}.`
    let header = ''
    for (const entry of keys) {
      if (entry.expiresAt !== null && entry.expiresAt <= now.getTime()) continue
      // Decoded on first use (an expired secret is never decoded, as with `liveKeys`), into a key object that each
      // HMAC takes as it is instead of importing the key bytes again.
      entry.key ??= createSecretKey(webhookSecretKey(entry.secret))
      // The signed content is fed in two parts rather than copied into one buffer.
      const mac = createHmac('sha256', entry.key).update(prefix, 'utf8').update(body).digest('base64')
      header += header === '' ? `v1,${mac}` : ` v1,${mac}`
    }
    if (header === '') throw new Error('no webhook secret is valid now: nothing to sign with')
    return header
  }
}

/** The headers that carry a message sent at `now` (its timestamp in whole seconds). */
export function standardWebhookHeaders(
  secrets: WebhookSecrets,
  id: string,
  body: string | Uint8Array,
  now = new Date(),
): StandardWebhookHeaders {
  const timestamp = Math.floor(now.getTime() / 1000)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(secrets, id, timestamp, body, now),
  }
}

export interface VerifyStandardWebhookOptions {
  secrets: WebhookSecrets
  /** The raw request bytes: re-serialised JSON is not what was signed. */
  body: string | Uint8Array
  /** Request headers as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>
  now?: Date
  toleranceSeconds?: number
}

/**
 * Verifies a received message: the three headers present and sane, the timestamp within the tolerance of `now`
 * both ways (a replayed old message and a message from the future are refused), and one `v1` signature made with
 * any secret valid at `now`. Compares in constant time.
 */
export function verifyStandardWebhook(options: VerifyStandardWebhookOptions): WebhookVerifyResult {
  const { headers } = options
  const id = headers['webhook-id']
  const timestampText = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestampText !== 'string' || typeof signatures !== 'string') {
    return { ok: false, reason: 'missing-headers' }
  }
  if (
    id.length === 0 ||
    id.length > MAX_ID_LENGTH ||
    signatures.length > MAX_SIGNATURE_HEADER_LENGTH ||
    !TIMESTAMP.test(timestampText)
  ) {
    return { ok: false, reason: 'invalid-headers' }
  }
  const timestamp = Number(timestampText)
  const now = options.now ?? new Date()
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS
  const nowSeconds = Math.floor(now.getTime() / 1000)
  if (timestamp < nowSeconds - tolerance) return { ok: false, reason: 'timestamp-too-old' }
  if (timestamp > nowSeconds + tolerance) return { ok: false, reason: 'timestamp-too-new' }
  const keys = liveKeys(options.secrets, now)
  if (keys.length === 0) return { ok: false, reason: 'no-valid-secret' }
  const content = signedContent(id, timestamp, options.body)
  const expected = keys.map((key) => hmacSha256(key, content))
  for (const versioned of signatures.split(' ')) {
    const comma = versioned.indexOf(',')
    // Other versions (v1a: asymmetric) are for other verifiers; only v1 is ours.
    if (comma < 0 || versioned.slice(0, comma) !== 'v1') continue
    const given = Buffer.from(versioned.slice(comma + 1), 'base64')
    if (expected.some((mac) => equalBytes(mac, given))) return { ok: true, id, timestamp }
  }
  return { ok: false, reason: 'no-matching-signature' }
}
