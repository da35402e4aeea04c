/**
 * The webhook outbox: a message is a row written in the caller's transaction with the state change it reports, and
 * a `webhook.deliver` job that carries it; both exist exactly when that change commits.
 */
import { type Clock, systemClock } from '../clock.ts'
import type { Database, Queryable } from '../db.ts'
import { CoreError } from '../errors.ts'
import { prefixedId } from '../ids.ts'
import { enqueue } from '../jobs.ts'
import {
  bodySignatureValue,
  checkedExtraHeaders,
  checkedHeaderName,
  checkedRawBody,
  type WebhookBodySignature,
  type WebhookMessageContext,
  type WebhookRawBody,
} from './compose.ts'
import type { WebhookMessageStatus } from './repository.ts'
import * as repository from './repository.ts'

export type {
  WebhookAttempt,
  WebhookEndpointStats,
  WebhookMessage,
  WebhookMessageStatus,
} from './repository.ts'

/** The job kind that delivers one message; register `createWebhookDeliveryJob` under it. */
export const WEBHOOK_DELIVERY_JOB = 'webhook.deliver'

/** What a delivery job carries: the message's row id (the body stays in its row). */
export interface WebhookDeliveryPayload {
  messageId: number
}

export interface EnqueueWebhookOptions {
  /**
   * The endpoint: by id, by its key (`ensureWebhookEndpoint`), or by the URL it was registered with without a key
   * (an unregistered URL has no secret to sign with).
   */
  endpointId?: number
  endpointKey?: string
  url?: string
  /** The event's type, e.g. `payment.succeeded`: the wrapped body's `type`; kept with the message for listing. */
  eventType: string
  /** The wrapped body `{ type, timestamp, data }`: this goes in as `data`; bigint (tiyn) becomes a JSON number. */
  payload?: unknown
  /**
   * Instead of `payload`: the body exactly as the caller gives it (UTF-8 JSON text or bytes), not wrapped. A
   * function gets the message's id and time first, so the body's own `timestamp` can be the message's clock read.
   * These bytes are stored once; every attempt and resend sends and signs them unchanged.
   */
  body?: WebhookRawBody
  /** Extra headers sent with every attempt (names are sent lower-case): `X-Webhook-Event`, `User-Agent`. */
  headers?: Record<string, string>
  /** A header that carries the message's time (`createdAt`) in Unix seconds, e.g. `X-Webhook-Timestamp`. */
  timestampHeader?: string
  /**
   * A header with the hex HMAC-SHA256 of the exact body bytes under the caller's secret (the seed's
   * `X-Webhook-Signature` with a payment's `webhook_secret`). Computed here, once; the secret is not stored.
   */
  bodySignature?: WebhookBodySignature
  /** The caller's key for the event: a second message with the same key for the same endpoint is not written. */
  dedupeKey?: string
  /** What the message is about (`payment:A3F5D9E2B1C8`), to list and resend one thing's messages. */
  subject?: string
  clock?: Clock
}

export interface EnqueuedWebhook {
  id: number
  /** The `webhook-id` the receiver sees on every attempt and resend. */
  publicId: string
  /** False when `dedupeKey` named a message written before: that message is returned and nothing new is sent. */
  created: boolean
}

const MAX_LABEL_LENGTH = 200

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** An event type, de-duplication key or subject: bounded printable text (it is listed and filtered on). */
function checkedLabel(what: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL_LENGTH || hasControl(value)) {
    throw new CoreError('VALIDATION_FAILED', `The webhook ${what} is 1–${MAX_LABEL_LENGTH} characters of text`)
  }
  return value
}

/** Money is bigint tiyn; JSON has no bigint, and amounts stay far below 2^53, so they go as numbers. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`webhook payload value ${value} exceeds the safe integer range`)
  }
  return Number(value)
}

async function targetEndpointId(tx: Queryable, options: EnqueueWebhookOptions): Promise<number | undefined> {
  if (options.endpointId !== undefined) return options.endpointId
  if (options.endpointKey !== undefined) return (await repository.findEndpointByKey(tx, options.endpointKey))?.id
  if (options.url !== undefined) return repository.findEndpointIdByUrl(tx, options.url)
  return undefined
}

/** The body text: the wrapped form from `payload`, or the caller's own bytes from `body`. */
function messageBody(options: EnqueueWebhookOptions, context: WebhookMessageContext): string {
  if (options.body === undefined) {
    return JSON.stringify(
      { type: options.eventType, timestamp: context.createdAt.toISOString(), data: options.payload ?? null },
      jsonValue,
    )
  }
  if (options.payload !== undefined) throw new TypeError('a webhook message has a payload or a body, not both')
  return checkedRawBody(typeof options.body === 'function' ? options.body(context) : options.body)
}

/** The extra headers stored with the message: the caller's, its time, and the body's signature. */
function messageHeaders(options: EnqueueWebhookOptions, context: WebhookMessageContext, body: string) {
  const headers = checkedExtraHeaders(options.headers ?? {})
  const add = (name: string, value: string) => {
    const lower = checkedHeaderName(name)
    if (lower in headers) throw new CoreError('VALIDATION_FAILED', `The webhook header ${lower} is given twice`)
    headers[lower] = value
  }
  if (options.timestampHeader !== undefined) add(options.timestampHeader, String(context.timestamp))
  if (options.bodySignature !== undefined)
    add(options.bodySignature.header, bodySignatureValue(options.bodySignature, body))
  return headers
}

/**
 * Writes a message for the endpoint inside the caller's transaction, and the job that delivers it: both exist
 * exactly when the caller's transaction commits. The body is the Standard Webhooks form `{ type, timestamp, data }`
 * made from `payload`, or the caller's own `body`; either way it is fixed now, with any extra headers, and every
 * attempt and resend sends the same bytes under the same `webhook-id`.
 */
export async function enqueueWebhook(tx: Queryable, options: EnqueueWebhookOptions): Promise<EnqueuedWebhook> {
  const eventType = checkedLabel('event type', options.eventType)
  const dedupeKey = options.dedupeKey === undefined ? null : checkedLabel('dedupe key', options.dedupeKey)
  const subject = options.subject === undefined ? null : checkedLabel('subject', options.subject)
  const endpointId = await targetEndpointId(tx, options)
  if (endpointId === undefined) throw new CoreError('NOT_FOUND', 'No webhook endpoint is registered for this target')
  if (dedupeKey !== null) {
    // The common repeat is cheap to see; a concurrent one is caught by the insert below.
    const existing = await repository.findMessageByDedupeKey(tx, endpointId, dedupeKey)
    if (existing) return { id: existing.id, publicId: existing.publicId, created: false }
  }
  const createdAt = (options.clock ?? systemClock).now()
  const context = { id: prefixedId('msg', 24), createdAt, timestamp: Math.floor(createdAt.getTime() / 1000) }
  const body = messageBody(options, context)
  const headers = messageHeaders(options, context, body)
  const id = await repository.insertMessage(tx, {
    publicId: context.id,
    endpointId,
    eventType,
    body,
    headers,
    dedupeKey,
    subject,
    createdAt,
  })
  if (id === undefined) {
    const existing = await repository.findMessageByDedupeKey(tx, endpointId, dedupeKey as string)
    if (!existing) throw new CoreError('CONFLICT', 'The webhook message is being written concurrently')
    return { id: existing.id, publicId: existing.publicId, created: false }
  }
  await enqueue(tx, WEBHOOK_DELIVERY_JOB, { messageId: id } satisfies WebhookDeliveryPayload)
  return { id, publicId: context.id, created: true }
}

/**
 * Sends a delivered or dead message again, with fresh attempts and the same `webhook-id` (receivers de-duplicate
 * by it). Returns false when the message is still pending (its attempts go on) or does not exist.
 */
export async function resendWebhook(db: Database, messageId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await repository.reopenMessage(tx, messageId))) return false
    await enqueue(tx, WEBHOOK_DELIVERY_JOB, { messageId } satisfies WebhookDeliveryPayload)
    return true
  })
}

export interface ResendWebhooksOptions {
  /** Messages created at or after `from` and before `to` (no bound when absent). */
  from?: Date
  to?: Date
  /** Which ended messages: dead letters by default; add `delivered` to replay to a receiver that lost them. */
  statuses?: readonly ('dead' | 'delivered')[]
  endpointId?: number
  subject?: string
  /** At most this many in one call (1000 by default): call again while `resent` equals it. */
  limit?: number
}

/**
 * Bulk resend ("replay the failures of last night"): makes the matching ended messages pending again, in one
 * transaction with their delivery jobs, oldest first, with fresh attempts and their own `webhook-id`s. Messages
 * still pending are left alone (their retries go on), and so are those of a disabled endpoint (enable it first).
 * Returns the ids resent.
 */
export async function resendWebhooks(db: Database, options: ResendWebhooksOptions = {}): Promise<number[]> {
  const statuses = options.statuses ?? ['dead']
  if (statuses.length === 0 || statuses.some((status) => status !== 'dead' && status !== 'delivered')) {
    throw new CoreError('VALIDATION_FAILED', 'Resend picks dead and/or delivered messages')
  }
  const limit = options.limit ?? 1000
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new CoreError('VALIDATION_FAILED', 'The resend limit is 1–10000')
  }
  return db.transaction(async (tx) => {
    const ids = await repository.reopenMessages(tx, { ...options, statuses, limit })
    for (const messageId of ids) {
      await enqueue(tx, WEBHOOK_DELIVERY_JOB, { messageId } satisfies WebhookDeliveryPayload)
    }
    return ids
  })
}

export interface ListWebhookMessagesOptions {
  endpointId?: number
  subject?: string
  status?: WebhookMessageStatus
  /** Created at or after `from`, before `to`. */
  from?: Date
  to?: Date
  /** The next page: messages older than this one (the last id of the page before). */
  beforeId?: number
  /** 100 by default, at most 1000. */
  limit?: number
}

/** Messages newest first, for an admin view or a CLI: by endpoint, subject, status and creation time. */
export function listWebhookMessages(q: Queryable, options: ListWebhookMessagesOptions = {}) {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000)
  return repository.listMessages(q, {
    ...options,
    statuses: options.status === undefined ? undefined : [options.status],
    limit,
  })
}

/**
 * Delivery statistics per endpoint for an admin view: over the attempts made in [from, to) (the last 24 hours by
 * default) the number of attempts, the success rate, how many got no answer, latency (average, median, 95th
 * percentile, maximum), the last attempt and the last success; and each endpoint's backlog now (pending, dead).
 */
export function webhookDeliveryStats(
  q: Queryable,
  options: { from?: Date; to?: Date; endpointId?: number; limit?: number; clock?: Clock } = {},
) {
  const to = options.to ?? (options.clock ?? systemClock).now()
  const from = options.from ?? new Date(to.getTime() - 24 * 3_600_000)
  return repository.endpointStats(q, {
    from,
    to,
    endpointId: options.endpointId,
    limit: Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000),
  })
}

/** Deletes delivered messages (and their attempts) that ended before `olderThan`; dead ones stay. Returns how many. */
export function purgeDeliveredWebhooks(q: Queryable, olderThan: Date): Promise<number> {
  return repository.deleteDeliveredBefore(q, olderThan)
}

export function getWebhookMessage(q: Queryable, messageId: number) {
  return repository.findMessage(q, messageId)
}

/** Every attempt at the message, oldest first: status, latency and the start of each answer. */
export function listWebhookAttempts(q: Queryable, messageId: number) {
  return repository.listAttempts(q, messageId)
}

/** Dead letters, oldest first: messages out of attempts or whose endpoint was disabled. */
export function listDeadWebhooks(q: Queryable, options: { endpointId?: number; limit?: number } = {}) {
  return repository.listDeadMessages(q, { endpointId: options.endpointId, limit: options.limit ?? 100 })
}
