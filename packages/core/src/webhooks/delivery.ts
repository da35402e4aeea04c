/**
 * Delivery of webhook messages as a job kind: one signed POST per attempt, every attempt logged, retries on the
 * schedule below, a dead letter after the last one, and an endpoint that answers 410 Gone disabled.
 *
 * What it costs the database per message: the worker claims a batch in one statement and `prepare` reads the
 * batch's messages with their endpoints and secrets in one more; after the POST, the attempt's row, the message's
 * new status (and a 410's disabling) go into the statement that settles the job, which deliveries finishing
 * together share (`jobs/settle.ts`): a fraction of a round trip a delivery under load.
 */
import { EventEmitter } from 'node:events'
import type { LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import { Agent } from 'undici'
import type { Clock } from '../clock.ts'
import type { Database, Queryable } from '../db.ts'
import type { Job, JobKind, JobRowWrite, JobRun, JobWrite } from '../jobs.ts'
import { webhookConnector } from './address-guard.ts'
import type { WebhookDeliveryPayload } from './outbox.ts'
import * as repository from './repository.ts'
import { createWebhookSigner, type WebhookSigner } from './signature.ts'

/**
 * Delays before each retry, as data: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (the Standard Webhooks recommendation).
 * Seven attempts over about 17.5 hours; a receiver down for a night still gets every message.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
]

/**
 * About three days of retries, for receivers that must not miss a payment: 5 s, 1 min, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h, 14 h, 14 h, 16 h. Twelve attempts, the last about 71.6 hours after the first; a receiver down over a
 * long weekend still gets every message, and a dead letter after that waits for `resendWebhooks`.
 */
export const WEBHOOK_RETRY_SCHEDULE_3_DAYS: readonly number[] = [
  5_000,
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  14 * 3_600_000,
  16 * 3_600_000,
]

/**
 * An attempt this soon after its message was written signs the message's own time as `webhook-timestamp`: one clock
 * read for the body's time, a `timestampHeader` and the Standard Webhooks timestamp. A later attempt signs its own
 * time, as receivers refuse a timestamp more than 5 minutes old; 30 s of age costs their replay window little.
 */
export const WEBHOOK_TIMESTAMP_REUSE_MS = 30_000

/** The `webhook-timestamp` of an attempt at `now` (whole seconds): the message's time while it is fresh. */
export function attemptTimestamp(messageCreatedAt: Date, now: Date): number {
  const age = now.getTime() - messageCreatedAt.getTime()
  const at = age >= 0 && age <= WEBHOOK_TIMESTAMP_REUSE_MS ? messageCreatedAt : now
  return Math.floor(at.getTime() / 1000)
}

/** How much of an answer the attempt log keeps. */
export const MAX_LOGGED_RESPONSE_BYTES = 1024

export interface WebhookDeliveryOptions {
  db: Database
  clock: Clock
  retrySchedule?: readonly number[]
  /** Per attempt, until the answer's status and first bytes arrived. */
  timeoutMs?: number
  /** The `user-agent` of every request; a message's own `user-agent` header wins. */
  userAgent?: string
  /** Resolves receivers' names instead of DNS (tests); private addresses are refused after it all the same. */
  lookup?: LookupFunction
}

/**
 * Reads at most `limit` bytes of the answer and drops the rest unread (the connection goes with it then). Listens
 * for the chunks rather than iterating: an async iterator and its promises per answer cost more than the read of the
 * usual empty answer itself. Rejects when the body ends early (aborted, reset), as iterating it would.
 */
function responsePrefix(body: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      resolve(decodePrefix(chunks, size, limit))
    }
    body.on('data', (chunk: Buffer) => {
      if (finished) return
      chunks.push(chunk)
      size += chunk.length
      if (size >= limit) {
        finish()
        // Ends the body at once; a body read to its end is left to undici (keep-alive).
        body.destroy()
      }
    })
    body.on('end', finish)
    body.on('error', (error) => {
      if (!finished) {
        finished = true
        reject(error)
      }
    })
    body.on('close', () => {
      if (!finished) {
        finished = true
        reject(new Error('the answer ended before its last byte'))
      }
    })
  })
}

/** The text of an answer's first `limit` bytes, fit for the attempt log. */
function decodePrefix(chunks: Buffer[], size: number, limit: number): string {
  if (size === 0) return ''
  // Streaming mode leaves out a character cut in half at the limit instead of turning it into U+FFFD.
  let text = new TextDecoder().decode(Buffer.concat(chunks, size).subarray(0, limit), { stream: true })
  // Invalid bytes do become U+FFFD, three bytes each: trim back to the limit. PostgreSQL text cannot hold NUL,
  // and a receiver's binary error page must not break the log.
  while (Buffer.byteLength(text) > limit) text = text.slice(0, -1)
  return text.replaceAll('\0', '')
}

/** A short reason for a failed request: the error code undici gives (ECONNREFUSED, …), else its message. */
function failureReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code
  if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code
  if (typeof cause === 'string') return cause
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout'
  return error instanceof Error ? error.message : String(error)
}

/**
 * The connections deliveries go through: undici's `request` over keep-alive connections per origin, without the
 * WHATWG fetch layer (Request/Response objects, web streams) that costs more CPU than the request itself. It never
 * follows a redirect (undici's `request` has no redirect handling unless asked for), and each attempt is bounded by
 * `timeoutMs` from start to the last byte read, connecting included.
 */
function createSender(timeoutMs: number, resolve?: LookupFunction) {
  // One pool for endpoints allowed private addresses, one whose connections refuse them (address-guard.ts).
  const agent = (allowPrivateNetworks: boolean) =>
    new Agent({
      connect: webhookConnector({ allowPrivateNetworks, timeout: timeoutMs, resolve }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
  const [guarded, open] = [agent(false), agent(true)]

  /**
   * One signed POST to `target` (the endpoint's URL split once into origin and path, as undici's `request(url)`
   * does on every call). Never rejects: no answer (a refused connection, a timeout) is an outcome too.
   */
  async function post(
    target: Target,
    headers: Record<string, string>,
    body: string,
    allowPrivateNetworks: boolean,
  ): Promise<Pick<repository.WebhookAttempt, 'responseStatus' | 'error' | 'responseBody'>> {
    // undici takes any emitter with 'abort' as a signal: a plain one and a timer cost less than AbortSignal.timeout.
    const signal = new EventEmitter()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      signal.emit('abort')
    }, timeoutMs)
    try {
      const response = await (allowPrivateNetworks ? open : guarded).request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers,
        body,
        signal,
      })
      const responseBody = await responsePrefix(response.body, MAX_LOGGED_RESPONSE_BYTES).catch(() => null)
      return { responseStatus: response.statusCode, error: null, responseBody }
    } catch (error) {
      return { responseStatus: null, error: timedOut ? 'timeout' : failureReason(error), responseBody: null }
    } finally {
      clearTimeout(timer)
    }
  }
  return { post }
}

/** Where an endpoint's deliveries go, its URL parsed once: origin and path (with the query). */
interface Target {
  origin: string
  path: string
}

function targetOf(url: string): Target {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
}

/** A failed attempt: the job retries on its schedule. */
class DeliveryFailed extends Error {
  constructor(publicId: string, reason: string) {
    super(`webhook ${publicId}: ${reason}`)
    this.name = 'DeliveryFailed'
  }
}

/**
 * The `webhook.deliver` job kind: register it as `handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob(…) }`.
 * Redirects are not followed (a 3xx is a failed attempt): the receiver registered the URL it wants.
 */
export function createWebhookDeliveryJob(options: WebhookDeliveryOptions): JobKind {
  const { db, clock } = options
  const timeoutMs = options.timeoutMs ?? 15_000
  const userAgent = options.userAgent ?? 'Kokdala-Webhooks/1'
  const sender = createSender(timeoutMs, options.lookup)
  /**
   * Each endpoint's signer, its secrets decoded once, and its parsed URL: endpoint objects are shared by the
   * deliveries of one batch (`findDeliveries`) and read afresh for the next, so a rotated secret or a changed URL is
   * picked up with the next claim.
   */
  const prepared = new WeakMap<repository.WebhookEndpoint, { sign: WebhookSigner; target: Target }>()
  const preparedOf = (endpoint: repository.WebhookEndpoint) => {
    let entry = prepared.get(endpoint)
    if (!entry) {
      entry = { sign: createWebhookSigner(endpoint.secrets), target: targetOf(endpoint.url) }
      prepared.set(endpoint, entry)
    }
    return entry
  }

  async function deliver(job: Job, run: JobRun): Promise<void> {
    const { messageId } = job.payload as WebhookDeliveryPayload
    // Read with the batch's claim; null when the message was gone by then, undefined when that read failed.
    const delivery =
      run.prepared === undefined
        ? ((await repository.findDeliveries(db, [messageId]))[0] ?? null)
        : (run.prepared as repository.WebhookDelivery | null)
    const message = delivery?.message
    // Delivered, dead or purged since the job was written (a resend writes a new job).
    if (!delivery || message?.status !== 'pending') return
    const { endpoint } = delivery
    const now = clock.now()
    if (!endpoint || endpoint.disabledReason !== null) {
      const reason = `endpoint disabled: ${endpoint?.disabledReason ?? 'deleted'}`
      run.settleWith(repository.finishMessageWrite(messageId, { status: 'dead', error: reason, at: now }))
      return
    }
    const timestamp = attemptTimestamp(message.createdAt, now)
    const { sign, target } = preparedOf(endpoint)
    // The message's own headers (fixed when written, names lower-case, never the three below) after ours.
    const headers = {
      'user-agent': userAgent,
      ...message.headers,
      'webhook-id': message.publicId,
      'webhook-timestamp': String(timestamp),
      // Secrets are those valid now, whatever time is signed.
      'webhook-signature': sign(message.publicId, timestamp, message.body, now),
      'content-type': 'application/json',
    }
    const started = performance.now()
    const outcome = await sender.post(target, headers, message.body, endpoint.allowPrivateNetworks)
    const attempt = { ...outcome, attemptedAt: now, latencyMs: Math.round(performance.now() - started) }
    const status = attempt.responseStatus
    const delivered = status !== null && status >= 200 && status < 300
    // Committed with the job's outcome, in one statement: an attempt is logged exactly when its job settles.
    const writes: (JobWrite | JobRowWrite)[] = [repository.attemptWrite(messageId, attempt)]
    if (delivered) writes.push(repository.finishMessageWrite(messageId, { status: 'delivered', error: null, at: now }))
    if (status === 410) {
      // The receiver says the endpoint is gone for good: stop sending to it instead of retrying for a day. The
      // batch's other messages for it share this object, so they go dead without a call.
      endpoint.disabledReason = 'answered 410 Gone'
      endpoint.disabledAt = now
      writes.push(
        repository.endpointDisabledWrite(endpoint.id, { reason: 'answered 410 Gone', at: now }),
        repository.finishMessageWrite(messageId, { status: 'dead', error: 'HTTP 410', at: now }),
      )
    }
    run.settleWith(...writes)
    if (!delivered && status !== 410) throw new DeliveryFailed(message.publicId, attempt.error ?? `HTTP ${status}`)
  }

  /** The batch's messages, endpoints and secrets in one query, by job. */
  async function prepare(q: Queryable, jobs: readonly Job[]): Promise<Map<number, repository.WebhookDelivery | null>> {
    const messageIds = jobs.map((job) => (job.payload as WebhookDeliveryPayload).messageId)
    const byMessage = new Map((await repository.findDeliveries(q, messageIds)).map((d) => [d.message.id, d]))
    return new Map(jobs.map((job, i) => [job.id, byMessage.get(messageIds[i]) ?? null]))
  }

  return {
    run: deliver,
    prepare,
    retrySchedule: [...(options.retrySchedule ?? WEBHOOK_RETRY_SCHEDULE_MS)],
    async onDead(job, error) {
      const { messageId } = job.payload as WebhookDeliveryPayload
      const reason = error instanceof Error ? error.message : String(error)
      await repository.finishMessage(db, messageId, { status: 'dead', error: reason, at: clock.now() })
    },
  }
}
