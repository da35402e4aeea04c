/**
 * The webhook outbox: a message is a row written in the caller's transaction with the state change it reports, and
 * a `webhook.deliver` job that carries it; both exist exactly when that change commits.
 */
import { type Clock, systemClock } from '../clock.ts'
import type { Database, Queryable } from '../db.ts'
import { CoreError } from '../errors.ts'
import { prefixedId } from '../ids.ts'
import { enqueue } from '../jobs.ts'
import * as repository from './repository.ts'

export type { WebhookAttempt, WebhookMessage, WebhookMessageStatus } from './repository.ts'

/** The job kind that delivers one message; register `createWebhookDeliveryJob` under it. */
export const WEBHOOK_DELIVERY_JOB = 'webhook.deliver'

/** What a delivery job carries: the message's row id (the body stays in its row). */
export interface WebhookDeliveryPayload {
  messageId: number
}

export interface EnqueueWebhookOptions {
  /** The endpoint, by id or by its registered URL (an unregistered URL has no secret to sign with). */
  endpointId?: number
  url?: string
  /** Goes into the body as `type`, e.g. `payment.succeeded`. */
  eventType: string
  /** Goes into the body as `data`; bigint (tiyn) becomes a JSON number. */
  payload: unknown
  clock?: Clock
}

/** Money is bigint tiyn; JSON has no bigint, and amounts stay far below 2^53, so they go as numbers. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`webhook payload value ${value} exceeds the safe integer range`)
  }
  return Number(value)
}

/**
 * Writes a message for the endpoint inside the caller's transaction, in the Standard Webhooks body form
 * `{ type, timestamp, data }`, and the job that delivers it. Returns its ids; `publicId` is the `webhook-id`
 * the receiver sees on every attempt and resend.
 */
export async function enqueueWebhook(
  tx: Queryable,
  options: EnqueueWebhookOptions,
): Promise<{ id: number; publicId: string }> {
  const endpointId =
    options.endpointId ??
    (options.url === undefined ? undefined : await repository.findEndpointIdByUrl(tx, options.url))
  if (endpointId === undefined) throw new CoreError('NOT_FOUND', 'No webhook endpoint is registered for this target')
  const now = (options.clock ?? systemClock).now()
  const body = JSON.stringify(
    { type: options.eventType, timestamp: now.toISOString(), data: options.payload ?? null },
    jsonValue,
  )
  const publicId = prefixedId('msg', 24)
  const id = await repository.insertMessage(tx, {
    publicId,
    endpointId,
    eventType: options.eventType,
    body,
    createdAt: now,
  })
  await enqueue(tx, WEBHOOK_DELIVERY_JOB, { messageId: id } satisfies WebhookDeliveryPayload)
  return { id, publicId }
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
