/**
 * What a message is made of, fixed when it is written: its body (our `{type, timestamp, data}` form, or the caller's
 * own bytes) and the extra headers a receiver written for another sender expects (the seed's `X-Webhook-Event`,
 * `X-Webhook-Timestamp`, `X-Webhook-Signature`). Everything here is computed once; every attempt and resend sends
 * the same bytes and headers, and only the Standard Webhooks headers are signed again per attempt.
 */
import { CoreError } from '../errors.ts'
import { type HmacKey, hmacSha256Hex } from './hmac.ts'

/** Bodies beyond this are refused: receivers choke on them and the specification recommends under 20 kB. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024

/** What the caller's body function learns of the message before writing it: the clock read of the message. */
export interface WebhookMessageContext {
  /** The `webhook-id` every attempt will carry (`msg_…`). */
  id: string
  /** The message's time: its `created_at`, the `timestampHeader`'s value, the time to put in the body. */
  createdAt: Date
  /** `createdAt` in whole Unix seconds, as `timestampHeader` carries it. */
  timestamp: number
}

/** The caller's body: text or bytes as given (UTF-8 JSON), or made from the message's id and time. */
export type WebhookRawBody = string | Uint8Array | ((message: WebhookMessageContext) => string | Uint8Array)

/** A hex HMAC-SHA256 of the exact body bytes under the caller's secret, sent in a header of its own. */
export interface WebhookBodySignature {
  /** e.g. `X-Webhook-Signature`. */
  header: string
  /** Any secret, as text (its UTF-8 bytes) or bytes. Used once, at writing; never stored. */
  secret: HmacKey
  /** Put before the hex digits, e.g. `sha256=` (GitHub's form). Nothing by default, as the seed sends it. */
  prefix?: string
}

// Headers the delivery sets itself: a message may not replace the signature, the body's framing or the host.
const RESERVED = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
])
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/
// Printable ASCII and tab: no CR or LF (header injection), no bytes a receiver might read in another charset.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,1024}$/
const MAX_EXTRA_HEADERS = 20

function invalid(message: string): Error {
  return new CoreError('VALIDATION_FAILED', message)
}

/** The header name lower-cased (fetch sends them so anyway), or a 400 for a name a message may not set. */
export function checkedHeaderName(name: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw invalid(`Invalid webhook header name: ${String(name)}`)
  const lower = name.toLowerCase()
  if (RESERVED.has(lower)) throw invalid(`The webhook header ${lower} is set by the delivery itself`)
  return lower
}

/**
 * Extra headers as stored: lower-case names, values checked. Throws a 400 for a reserved or malformed name, a value
 * with line breaks or non-ASCII, or a name given twice in different case.
 */
export function checkedExtraHeaders(headers: Record<string, string>): Record<string, string> {
  const entries = Object.entries(headers)
  if (entries.length > MAX_EXTRA_HEADERS) throw invalid(`At most ${MAX_EXTRA_HEADERS} extra webhook headers`)
  const checked: Record<string, string> = {}
  for (const [name, value] of entries) {
    const lower = checkedHeaderName(name)
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      throw invalid(`The webhook header ${lower} must be printable ASCII without line breaks`)
    }
    if (lower in checked) throw invalid(`The webhook header ${lower} is given twice`)
    checked[lower] = value
  }
  return checked
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The caller's body as the text stored and sent. It must be UTF-8 JSON without NUL (PostgreSQL text cannot hold
 * it, and JSON has no raw NUL anyway): a body that is not is the caller's bug, refused before anything is written.
 * A JavaScript string with a lone surrogate is refused too, as its UTF-8 bytes would not be the string.
 */
export function checkedRawBody(body: string | Uint8Array): string {
  let text: string
  if (typeof body === 'string') {
    if (!body.isWellFormed()) throw new TypeError('webhook body: a string with a lone surrogate has no UTF-8 bytes')
    text = body
  } else if (body instanceof Uint8Array) {
    try {
      text = utf8.decode(body)
    } catch {
      throw new TypeError('webhook body: the bytes are not UTF-8')
    }
  } else {
    throw new TypeError('webhook body: text or bytes')
  }
  if (Buffer.byteLength(text) > MAX_WEBHOOK_BODY_BYTES) {
    throw new TypeError(`webhook body: more than ${MAX_WEBHOOK_BODY_BYTES} bytes`)
  }
  if (text.includes('\0')) throw new TypeError('webhook body: NUL cannot be stored')
  try {
    JSON.parse(text)
  } catch {
    throw new TypeError('webhook body: not JSON (it is sent as application/json)')
  }
  return text
}

/** The value of a body-signature header: the prefix and the lower-case hex HMAC-SHA256 of the body's UTF-8 bytes. */
export function bodySignatureValue(signature: WebhookBodySignature, body: string): string {
  const key = signature.secret
  if ((typeof key !== 'string' && !(key instanceof Uint8Array)) || key.length === 0) {
    throw new TypeError('webhook body signature: the secret is empty')
  }
  return `${signature.prefix ?? ''}${hmacSha256Hex(key, Buffer.from(body, 'utf8'))}`
}
