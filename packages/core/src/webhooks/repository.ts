/** The only SQL of the webhooks module: its four tables (core migration core_007_webhook.sql) and nothing else. */
import type { Queryable } from '../db.ts'
import type { ExpiringWebhookSecret } from './signature.ts'

export interface WebhookEndpoint {
  id: number
  url: string
  description: string
  /** Null while enabled. */
  disabledReason: string | null
  disabledAt: Date | null
  /** Current and rotated-out secrets, newest first; a rotated-out one has `expiresAt`. */
  secrets: ExpiringWebhookSecret[]
}

export type WebhookMessageStatus = 'pending' | 'delivered' | 'dead'

export interface WebhookMessage {
  id: number
  publicId: string
  endpointId: number
  eventType: string
  body: string
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

const ENDPOINT_COLUMNS = `e.id, e.url, e.description, e.disabled_reason AS "disabledReason", e.disabled_at AS "disabledAt",
  COALESCE((SELECT json_agg(json_build_object('secret', s.secret, 'expiresAt', s.expires_at) ORDER BY s.id DESC)
            FROM webhook_endpoint_secret s WHERE s.endpoint_id = e.id), '[]') AS secrets`

const MESSAGE_COLUMNS = `id, public_id AS "publicId", endpoint_id AS "endpointId", event_type AS "eventType", body, status,
  last_error AS "lastError", created_at AS "createdAt", finished_at AS "finishedAt"`

type EndpointRow = Omit<WebhookEndpoint, 'secrets'> & { secrets: { secret: string; expiresAt: string | null }[] }

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  // json_agg gives timestamps as text.
  const secrets = row.secrets.map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ? new Date(s.expiresAt) : null }))
  return { ...row, secrets }
}

export async function insertEndpoint(
  q: Queryable,
  endpoint: { url: string; description: string; createdAt: Date },
): Promise<number | undefined> {
  // DO NOTHING rather than a unique violation, which would abort the caller's transaction: undefined when the URL
  // is registered already.
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO webhook_endpoint (url, description, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (url) DO NOTHING RETURNING id`,
    [endpoint.url, endpoint.description, endpoint.createdAt],
  )
  return rows[0]?.id
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

export async function findEndpointIdByUrl(q: Queryable, url: string): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>('SELECT id FROM webhook_endpoint WHERE url = $1', [url])
  return rows[0]?.id
}

export async function setEndpointDisabled(
  q: Queryable,
  endpointId: number,
  disabled: { reason: string; at: Date } | null,
): Promise<boolean> {
  const { rowCount } = await q.query(
    'UPDATE webhook_endpoint SET disabled_reason = $2, disabled_at = $3 WHERE id = $1',
    [endpointId, disabled?.reason ?? null, disabled?.at ?? null],
  )
  return rowCount > 0
}

export async function insertMessage(
  q: Queryable,
  message: { publicId: string; endpointId: number; eventType: string; body: string; createdAt: Date },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO webhook_message (public_id, endpoint_id, event_type, body, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [message.publicId, message.endpointId, message.eventType, message.body, message.createdAt],
  )
  return rows[0].id
}

export async function findMessage(q: Queryable, messageId: number): Promise<WebhookMessage | undefined> {
  const { rows } = await q.query<WebhookMessage>(`SELECT ${MESSAGE_COLUMNS} FROM webhook_message WHERE id = $1`, [
    messageId,
  ])
  return rows[0]
}

/** Ends a pending message (a message already ended stays as it is); returns whether it was pending. */
export async function finishMessage(
  q: Queryable,
  messageId: number,
  outcome: { status: 'delivered' | 'dead'; error: string | null; at: Date },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE webhook_message SET status = $2, last_error = $3, finished_at = $4 WHERE id = $1 AND status = 'pending'`,
    [messageId, outcome.status, outcome.error, outcome.at],
  )
  return rowCount > 0
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

export async function insertAttempt(q: Queryable, messageId: number, attempt: WebhookAttempt): Promise<void> {
  await q.query(
    `INSERT INTO webhook_attempt (message_id, attempted_at, response_status, error, latency_ms, response_body)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [messageId, attempt.attemptedAt, attempt.responseStatus, attempt.error, attempt.latencyMs, attempt.responseBody],
  )
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
