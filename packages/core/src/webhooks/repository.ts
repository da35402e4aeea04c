/**
 * The only SQL of the webhooks module: its four tables (core migrations core_007_webhook.sql,
 * core_008_webhook_targets.sql and core_010_webhook_private_networks.sql) and nothing else. The writes of a delivery are `JobRowWrite`s: the worker commits them
 * in the statement that settles the delivery's job.
 */
import type { Queryable } from '../db.ts'
import { type JobRowWrite, type JobWrite, runJobWrites } from '../jobs/settle.ts'
import type { ExpiringWebhookSecret } from './signature.ts'

export interface WebhookEndpoint {
  id: number
  /** The caller's name for it; null for an endpoint known by its URL alone. */
  key: string | null
  url: string
  description: string
  /** Null while enabled. */
  disabledReason: string | null
  disabledAt: Date | null
  /** Whether deliveries may connect to loopback, private and link-local addresses (`address-guard.ts`). */
  allowPrivateNetworks: boolean
  /** Current and rotated-out secrets, newest first; a rotated-out one has `expiresAt`. */
  secrets: ExpiringWebhookSecret[]
}

export type WebhookMessageStatus = 'pending' | 'delivered' | 'dead'

export interface WebhookMessage {
  id: number
  publicId: string
  endpointId: number
  eventType: string
  /** The exact text sent (its UTF-8 bytes) on every attempt and resend. */
  body: string
  /** Extra headers sent with it, lower-case names; never a secret. */
  headers: Record<string, string>
  dedupeKey: string | null
  subject: string | null
  status: WebhookMessageStatus
  lastError: string | null
  createdAt: Date
  finishedAt: Date | null
}

export interface WebhookAttempt {
  attemptedAt: Date
  responseStatus: number | null
  error: string | null
  latencyMs: number
  responseBody: string | null
}

const ENDPOINT_COLUMNS = `e.id, e.key, e.url, e.description, e.disabled_reason AS "disabledReason", e.disabled_at AS "disabledAt",
  e.allow_private_networks AS "allowPrivateNetworks", COALESCE((SELECT json_agg(json_build_object('secret', s.secret, 'expiresAt', s.expires_at) ORDER BY s.id DESC)
            FROM webhook_endpoint_secret s WHERE s.endpoint_id = e.id), '[]') AS secrets`

const MESSAGE_COLUMNS = `id, public_id AS "publicId", endpoint_id AS "endpointId", event_type AS "eventType", body, headers,
  dedupe_key AS "dedupeKey", subject, status, last_error AS "lastError", created_at AS "createdAt", finished_at AS "finishedAt"`

type EndpointRow = Omit<WebhookEndpoint, 'secrets'> & { secrets: { secret: string; expiresAt: string | null }[] }

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  // json_agg gives timestamps as text.
  const secrets = row.secrets.map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ? new Date(s.expiresAt) : null }))
  return { ...row, secrets }
}

export async function insertEndpoint(
  q: Queryable,
  endpoint: { key: string | null; url: string; description: string; allowPrivateNetworks: boolean; createdAt: Date },
): Promise<number | undefined> {
  // DO NOTHING rather than a unique violation, which would abort the caller's transaction: undefined when the key,
  // or for an endpoint without a key its URL, is registered already.
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO webhook_endpoint (key, url, description, allow_private_networks, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
    [endpoint.key, endpoint.url, endpoint.description, endpoint.allowPrivateNetworks, endpoint.createdAt],
  )
  return rows[0]?.id
}

export async function setEndpointAllowPrivateNetworks(q: Queryable, endpointId: number, allow: boolean): Promise<void> {
  await q.query('UPDATE webhook_endpoint SET allow_private_networks = $2 WHERE id = $1', [endpointId, allow])
}

export async function insertSecret(q: Queryable, endpointId: number, secret: string, createdAt: Date): Promise<void> {
  await q.query('INSERT INTO webhook_endpoint_secret (endpoint_id, secret, created_at) VALUES ($1, $2, $3)', [
    endpointId,
    secret,
    createdAt,
  ])
}

/** Gives the endpoint's current secrets an end (those already ending keep the earlier one). */
export async function expireCurrentSecrets(q: Queryable, endpointId: number, expiresAt: Date): Promise<void> {
  await q.query(
    `UPDATE webhook_endpoint_secret SET expires_at = $2
     WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)`,
    [endpointId, expiresAt],
  )
}

/** Forgets secrets whose grace period ended before `before`: they no longer sign anything. */
export async function deleteExpiredSecrets(q: Queryable, endpointId: number, before: Date): Promise<void> {
  await q.query('DELETE FROM webhook_endpoint_secret WHERE endpoint_id = $1 AND expires_at <= $2', [endpointId, before])
}

/** Locks the endpoint row for the caller's transaction, so two rotations of one endpoint run one after the other. */
export async function lockEndpoint(q: Queryable, endpointId: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM webhook_endpoint WHERE id = $1 FOR UPDATE', [endpointId])
  return rows.length > 0
}

export async function findEndpoint(q: Queryable, endpointId: number): Promise<WebhookEndpoint | undefined> {
  const { rows } = await q.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint e WHERE e.id = $1`, [
    endpointId,
  ])
  return rows[0] && toEndpoint(rows[0])
}

/** The endpoint registered for the URL without a key (keyed endpoints may share a URL, so they go by key). */
export async function findEndpointIdByUrl(q: Queryable, url: string): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>('SELECT id FROM webhook_endpoint WHERE url = $1 AND key IS NULL', [
    url,
  ])
  return rows[0]?.id
}

export async function findEndpointByKey(q: Queryable, key: string): Promise<WebhookEndpoint | undefined> {
  const { rows } = await q.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint e WHERE e.key = $1`, [
    key,
  ])
  return rows[0] && toEndpoint(rows[0])
}

/** Disables an endpoint (or enables it again with null), as a write of its own or with a delivery's job. */
export function endpointDisabledWrite(endpointId: number, disabled: { reason: string; at: Date } | null): JobWrite {
  return (p) =>
    `UPDATE webhook_endpoint SET disabled_reason = ${p(disabled?.reason ?? null)}, disabled_at = ${p(disabled?.at ?? null)}
     WHERE id = ${p(endpointId)}`
}

/** Runs a write on its own. */
function write(q: Queryable, statement: JobWrite | JobRowWrite): Promise<number> {
  return runJobWrites(q, [statement])
}

export async function setEndpointDisabled(
  q: Queryable,
  endpointId: number,
  disabled: { reason: string; at: Date } | null,
): Promise<boolean> {
  return (await write(q, endpointDisabledWrite(endpointId, disabled))) > 0
}

export interface NewWebhookMessage {
  publicId: string
  endpointId: number
  eventType: string
  body: string
  headers: Record<string, string>
  dedupeKey: string | null
  subject: string | null
  createdAt: Date
}

/**
 * Writes a message; undefined when the endpoint has a message with the same de-duplication key already (DO NOTHING
 * rather than a unique violation, which would abort the caller's transaction).
 */
export async function insertMessage(q: Queryable, message: NewWebhookMessage): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO webhook_message (public_id, endpoint_id, event_type, body, headers, dedupe_key, subject, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
     ON CONFLICT (endpoint_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id`,
    [
      message.publicId,
      message.endpointId,
      message.eventType,
      message.body,
      JSON.stringify(message.headers),
      message.dedupeKey,
      message.subject,
      message.createdAt,
    ],
  )
  return rows[0]?.id
}

export async function findMessageByDedupeKey(
  q: Queryable,
  endpointId: number,
  dedupeKey: string,
): Promise<WebhookMessage | undefined> {
  const { rows } = await q.query<WebhookMessage>(
    `SELECT ${MESSAGE_COLUMNS} FROM webhook_message WHERE endpoint_id = $1 AND dedupe_key = $2`,
    [endpointId, dedupeKey],
  )
  return rows[0]
}

export async function findMessage(q: Queryable, messageId: number): Promise<WebhookMessage | undefined> {
  const { rows } = await q.query<WebhookMessage>(`SELECT ${MESSAGE_COLUMNS} FROM webhook_message WHERE id = $1`, [
    messageId,
  ])
  return rows[0]
}

/** A message with its endpoint (undefined once deleted) and the endpoint's secrets: what one delivery needs. */
export interface WebhookDelivery {
  message: WebhookMessage
  endpoint: WebhookEndpoint | undefined
}

/**
 * The messages with their endpoints and secrets, in one query (a batch of deliveries reads them together). Messages
 * of one endpoint share its object, so what one delivery learns about it (a 410) the others see.
 */
export async function findDeliveries(q: Queryable, messageIds: readonly number[]): Promise<WebhookDelivery[]> {
  const { rows } = await q.query<WebhookMessage & { endpoint: (EndpointRow & { disabledAt: string | null }) | null }>(
    `SELECT m.*, (SELECT row_to_json(e) FROM (SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint e
                                             WHERE e.id = m."endpointId") e) AS endpoint
     FROM (SELECT ${MESSAGE_COLUMNS} FROM webhook_message WHERE id = ANY($1::bigint[])) m`,
    [messageIds],
  )
  const endpoints = new Map<number, WebhookEndpoint>()
  return rows.map(({ endpoint: row, ...message }) => {
    let endpoint = row ? endpoints.get(row.id) : undefined
    if (row && !endpoint) {
      // row_to_json gives timestamps as text.
      endpoint = toEndpoint({ ...row, disabledAt: row.disabledAt === null ? null : new Date(row.disabledAt) })
      endpoints.set(row.id, endpoint)
    }
    return { message, endpoint }
  })
}

/** Ends the pending messages of the rows (a message already ended stays as it is). */
const finishMessages = (rows: string) =>
  `UPDATE webhook_message m SET status = r.status, last_error = r.error, finished_at = r.at
   FROM ${rows} WHERE m.id = r.message_id AND m.status = 'pending'`
const FINISH_COLUMNS = [
  ['message_id', 'bigint'],
  ['status', 'text'],
  ['error', 'text'],
  ['at', 'timestamptz'],
] as const

/** Ends a pending message (a message already ended stays as it is); the deliveries of a batch end in one write. */
export function finishMessageWrite(
  messageId: number,
  outcome: { status: 'delivered' | 'dead'; error: string | null; at: Date },
): JobRowWrite {
  return {
    statement: finishMessages,
    columns: FINISH_COLUMNS,
    row: [messageId, outcome.status, outcome.error, outcome.at],
  }
}

/** Ends a pending message (a message already ended stays as it is); returns whether it was pending. */
export async function finishMessage(
  q: Queryable,
  messageId: number,
  outcome: { status: 'delivered' | 'dead'; error: string | null; at: Date },
): Promise<boolean> {
  return (await write(q, finishMessageWrite(messageId, outcome))) > 0
}

/** Makes an ended message pending again (for a resend); false when it is pending already or does not exist. */
export async function reopenMessage(q: Queryable, messageId: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE webhook_message SET status = 'pending', last_error = NULL, finished_at = NULL
     WHERE id = $1 AND status <> 'pending'`,
    [messageId],
  )
  return rowCount > 0
}

const insertAttempts = (rows: string) =>
  `INSERT INTO webhook_attempt (message_id, attempted_at, response_status, error, latency_ms, response_body)
   SELECT message_id, attempted_at, response_status, error, latency_ms, response_body FROM ${rows}`
const ATTEMPT_COLUMNS = [
  ['message_id', 'bigint'],
  ['attempted_at', 'timestamptz'],
  ['response_status', 'integer'],
  ['error', 'text'],
  ['latency_ms', 'integer'],
  ['response_body', 'text'],
] as const

/** An attempt's row of the log; the attempts of deliveries settled together are one INSERT. */
export function attemptWrite(messageId: number, attempt: WebhookAttempt): JobRowWrite {
  return {
    statement: insertAttempts,
    columns: ATTEMPT_COLUMNS,
    row: [
      messageId,
      attempt.attemptedAt,
      attempt.responseStatus,
      attempt.error,
      attempt.latencyMs,
      attempt.responseBody,
    ],
  }
}

export async function insertAttempt(q: Queryable, messageId: number, attempt: WebhookAttempt): Promise<void> {
  await write(q, attemptWrite(messageId, attempt))
}

export async function listAttempts(q: Queryable, messageId: number): Promise<WebhookAttempt[]> {
  const { rows } = await q.query<WebhookAttempt>(
    `SELECT attempted_at AS "attemptedAt", response_status AS "responseStatus", error, latency_ms AS "latencyMs",
       response_body AS "responseBody"
     FROM webhook_attempt WHERE message_id = $1 ORDER BY id`,
    [messageId],
  )
  return rows
}

/** Deletes delivered messages (their attempts go with them) that ended before `before`; returns how many. */
export async function deleteDeliveredBefore(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM webhook_message WHERE status = 'delivered' AND finished_at < $1`, [
    before,
  ])
  return rowCount
}

/** Dead messages, oldest first (optionally of one endpoint): what an operator looks at before resending. */
export async function listDeadMessages(
  q: Queryable,
  options: { endpointId?: number; limit: number },
): Promise<WebhookMessage[]> {
  const { rows } = await q.query<WebhookMessage>(
    `SELECT ${MESSAGE_COLUMNS} FROM webhook_message
     WHERE status = 'dead' AND ($1::bigint IS NULL OR endpoint_id = $1) ORDER BY id LIMIT $2`,
    [options.endpointId ?? null, options.limit],
  )
  return rows
}

export interface MessageFilter {
  endpointId?: number
  subject?: string
  statuses?: readonly WebhookMessageStatus[]
  /** Created at or after. */
  from?: Date
  /** Created before. */
  to?: Date
}

/** The WHERE clause of a message filter over `m`, its parameters numbered from `$first`. */
function messageWhere(filter: MessageFilter, first: number): { sql: string; params: unknown[] } {
  const n = (i: number) => `$${first + i}`
  return {
    sql: `(${n(0)}::bigint IS NULL OR m.endpoint_id = ${n(0)}) AND (${n(1)}::text IS NULL OR m.subject = ${n(1)})
      AND (${n(2)}::text[] IS NULL OR m.status = ANY(${n(2)}::text[]))
      AND m.created_at >= COALESCE(${n(3)}::timestamptz, '-infinity')
      AND m.created_at < COALESCE(${n(4)}::timestamptz, 'infinity')`,
    params: [
      filter.endpointId ?? null,
      filter.subject ?? null,
      filter.statuses ? [...filter.statuses] : null,
      filter.from ?? null,
      filter.to ?? null,
    ],
  }
}

/** Messages matching the filter, newest first, before the message `beforeId` (the previous page's last). */
export async function listMessages(
  q: Queryable,
  filter: MessageFilter & { beforeId?: number; limit: number },
): Promise<WebhookMessage[]> {
  const where = messageWhere(filter, 3)
  const { rows } = await q.query<WebhookMessage>(
    `SELECT ${MESSAGE_COLUMNS} FROM webhook_message m
     WHERE ($1::bigint IS NULL OR m.id < $1) AND ${where.sql} ORDER BY m.id DESC LIMIT $2`,
    [filter.beforeId ?? null, filter.limit, ...where.params],
  )
  return rows
}

/**
 * Makes ended messages matching the filter pending again, oldest first, at most `limit`; messages of a disabled
 * endpoint are left (they would go dead at once). Returns their ids, for the caller to write their jobs.
 */
export async function reopenMessages(q: Queryable, filter: MessageFilter & { limit: number }): Promise<number[]> {
  const where = messageWhere(filter, 2)
  const { rows } = await q.query<{ id: number }>(
    `WITH picked AS (
       SELECT m.id FROM webhook_message m JOIN webhook_endpoint e ON e.id = m.endpoint_id
       WHERE m.status <> 'pending' AND e.disabled_reason IS NULL AND ${where.sql}
       ORDER BY m.id LIMIT $1 FOR UPDATE OF m
     )
     UPDATE webhook_message SET status = 'pending', last_error = NULL, finished_at = NULL
     WHERE id IN (SELECT id FROM picked) AND status <> 'pending' RETURNING id`,
    [filter.limit, ...where.params],
  )
  return rows.map((row) => row.id).sort((a, b) => a - b)
}

export interface WebhookEndpointStats {
  endpointId: number
  key: string | null
  url: string
  disabledReason: string | null
  /** Attempts made in the window, and how many of them a 2xx answered. */
  attempts: number
  succeeded: number
  /** succeeded / attempts; null without attempts. */
  successRate: number | null
  /** Attempts that got no answer at all (refused connection, timeout). */
  noAnswer: number
  latencyMs: { avg: number | null; p50: number | null; p95: number | null; max: number | null }
  lastAttemptAt: Date | null
  lastSuccessAt: Date | null
  /** Now, whatever the window: messages still being attempted, and dead letters waiting for a resend. */
  pending: number
  dead: number
}

/**
 * Delivery statistics per endpoint over the attempts made in [from, to), with each endpoint's backlog now. Lists the
 * endpoints that had attempts in the window or have a backlog (or the one asked for), busiest first.
 */
export async function endpointStats(
  q: Queryable,
  options: { from: Date; to: Date; endpointId?: number; limit: number },
): Promise<WebhookEndpointStats[]> {
  const { rows } = await q.query<WebhookEndpointStats & { p50: number | null; p95: number | null }>(
    `WITH windowed AS (
       SELECT m.endpoint_id, a.response_status, a.latency_ms, a.attempted_at
       FROM webhook_attempt a JOIN webhook_message m ON m.id = a.message_id
       WHERE a.attempted_at >= $1 AND a.attempted_at < $2 AND ($3::bigint IS NULL OR m.endpoint_id = $3)
     ), per_endpoint AS (
       SELECT endpoint_id, count(*)::int AS attempts,
         count(*) FILTER (WHERE response_status BETWEEN 200 AND 299)::int AS succeeded,
         count(*) FILTER (WHERE response_status IS NULL)::int AS "noAnswer",
         avg(latency_ms)::float8 AS avg, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95, max(latency_ms)::float8 AS max,
         max(attempted_at) AS "lastAttemptAt",
         max(attempted_at) FILTER (WHERE response_status BETWEEN 200 AND 299) AS "lastSuccessAt"
       FROM windowed GROUP BY endpoint_id
     ), backlog AS (
       SELECT endpoint_id, count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'dead')::int AS dead
       FROM webhook_message WHERE status IN ('pending', 'dead') AND ($3::bigint IS NULL OR endpoint_id = $3)
       GROUP BY endpoint_id
     )
     SELECT e.id AS "endpointId", e.key, e.url, e.disabled_reason AS "disabledReason",
       COALESCE(p.attempts, 0) AS attempts, COALESCE(p.succeeded, 0) AS succeeded,
       COALESCE(p."noAnswer", 0) AS "noAnswer", p.avg, p.p50, p.p95, p.max,
       p."lastAttemptAt", p."lastSuccessAt", COALESCE(b.pending, 0) AS pending, COALESCE(b.dead, 0) AS dead
     FROM webhook_endpoint e
     LEFT JOIN per_endpoint p ON p.endpoint_id = e.id LEFT JOIN backlog b ON b.endpoint_id = e.id
     WHERE ($3::bigint IS NULL OR e.id = $3) AND (e.id = $3 OR p.endpoint_id IS NOT NULL OR b.endpoint_id IS NOT NULL)
     ORDER BY COALESCE(p.attempts, 0) DESC, e.id LIMIT $4`,
    [options.from, options.to, options.endpointId ?? null, options.limit],
  )
  return rows.map((row) => {
    const { avg, p50, p95, max, ...rest } = row as typeof row & { avg: number | null; max: number | null }
    return {
      ...rest,
      successRate: row.attempts === 0 ? null : row.succeeded / row.attempts,
      latencyMs: { avg, p50, p95, max },
    }
  })
}
