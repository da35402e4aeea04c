/** Webhook endpoints: where messages go, the secrets they are signed with, and whether they are enabled. */
import { type Clock, systemClock } from '../clock.ts'
import type { Queryable } from '../db.ts'
import { CoreError } from '../errors.ts'
import * as repository from './repository.ts'
import { generateWebhookSecret, webhookSecretKey } from './signature.ts'

export type { WebhookEndpoint } from './repository.ts'

/** How long a rotated-out secret keeps signing beside the new one by default: a day for receivers to switch. */
export const DEFAULT_SECRET_GRACE_MS = 24 * 60 * 60 * 1000

const MAX_URL_LENGTH = 2048

/** An absolute http(s) URL of bounded length, or a 400: endpoints may be registered through an API. */
function checkedUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CoreError('VALIDATION_FAILED', 'The webhook URL is not a URL')
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || url.length > MAX_URL_LENGTH) {
    throw new CoreError('VALIDATION_FAILED', `The webhook URL must be http(s) and at most ${MAX_URL_LENGTH} characters`)
  }
  // fetch refuses a URL with credentials, so every attempt would fail and log its error, password included.
  // The signature is what proves the sender; a receiver that wants more takes a token in the path or query.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new CoreError('VALIDATION_FAILED', 'The webhook URL must not carry a user name or password')
  }
  return url
}

/**
 * A `whsec_` secret given by the caller, or a 400: it may come through an API (a receiver's own secret), where a
 * malformed one is the client's mistake, not a bug to answer with 500.
 */
function checkedSecret(secret: string): string {
  try {
    webhookSecretKey(secret)
  } catch (error) {
    throw new CoreError('VALIDATION_FAILED', (error as Error).message)
  }
  return secret
}

export interface CreateWebhookEndpointOptions {
  url: string
  description?: string
  /** A `whsec_` secret agreed with the receiver; a new random one by default. */
  secret?: string
  clock?: Clock
}

/** Registers an endpoint with one current secret; returns its id and the secret to hand to the receiver. */
export async function createWebhookEndpoint(
  tx: Queryable,
  options: CreateWebhookEndpointOptions,
): Promise<{ id: number; secret: string }> {
  const now = (options.clock ?? systemClock).now()
  const secret = checkedSecret(options.secret ?? generateWebhookSecret())
  const id = await repository.insertEndpoint(tx, {
    url: checkedUrl(options.url),
    description: options.description ?? '',
    createdAt: now,
  })
  await repository.insertSecret(tx, id, secret, now)
  return { id, secret }
}

export interface RotateWebhookSecretOptions {
  /** How long the secrets in use now keep signing beside the new one. */
  graceMs?: number
  /** The new `whsec_` secret; a random one by default. */
  secret?: string
  clock?: Clock
}

/**
 * Starts signing with a new secret. The secrets in use go on signing beside it until the grace period ends, so the
 * receiver can switch to the new one at any moment within it; secrets whose grace already ended are forgotten.
 * Returns the new secret.
 */
export async function rotateWebhookSecret(
  tx: Queryable,
  endpointId: number,
  options: RotateWebhookSecretOptions = {},
): Promise<string> {
  const now = (options.clock ?? systemClock).now()
  const secret = checkedSecret(options.secret ?? generateWebhookSecret())
  if (!(await repository.lockEndpoint(tx, endpointId))) throw new CoreError('NOT_FOUND', 'No such webhook endpoint')
  await repository.deleteExpiredSecrets(tx, endpointId, now)
  await repository.expireCurrentSecrets(
    tx,
    endpointId,
    new Date(now.getTime() + (options.graceMs ?? DEFAULT_SECRET_GRACE_MS)),
  )
  await repository.insertSecret(tx, endpointId, secret, now)
  return secret
}

export function getWebhookEndpoint(q: Queryable, endpointId: number) {
  return repository.findEndpoint(q, endpointId)
}

/** Stops deliveries to the endpoint: its pending messages go dead at their next attempt, to be resent later. */
export async function disableWebhookEndpoint(
  q: Queryable,
  endpointId: number,
  reason: string,
  clock: Clock = systemClock,
): Promise<boolean> {
  return repository.setEndpointDisabled(q, endpointId, { reason, at: clock.now() })
}

/** Lets deliveries go to the endpoint again; messages that went dead meanwhile wait for `resendWebhook`. */
export async function enableWebhookEndpoint(q: Queryable, endpointId: number): Promise<boolean> {
  return repository.setEndpointDisabled(q, endpointId, null)
}
