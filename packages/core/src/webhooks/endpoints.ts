/** Webhook endpoints: where messages go, the secrets they are signed with, and whether they are enabled. */
import { type Clock, systemClock } from '../clock.ts'
import type { Queryable } from '../db.ts'
import { CoreError } from '../errors.ts'
import { isPrivateAddress } from './address-guard.ts'
import type { WebhookEndpoint } from './repository.ts'
import * as repository from './repository.ts'
import { generateWebhookSecret, webhookSecretKey } from './signature.ts'

export type { WebhookEndpoint } from './repository.ts'

/** How long a rotated-out secret keeps signing beside the new one by default: a day for receivers to switch. */
export const DEFAULT_SECRET_GRACE_MS = 24 * 60 * 60 * 1000

const MAX_URL_LENGTH = 2048

/**
 * Whether a URL's host is a loopback, private or link-local address written out (the URL parser has already
 * turned `2130706433` and `0x7f.1` into `127.0.0.1`), or a `localhost` name. A name that resolves to such an
 * address is not caught here: the delivery's connection refuses it (`address-guard.ts`) unless the endpoint was
 * registered with `allowPrivateNetworks`.
 */
function isPrivateHost(hostname: string): boolean {
  // A fully qualified name's trailing dot (`localhost.`, `localhost.localhost..`) resolves the same: drop it.
  const host = (hostname.startsWith('[') ? hostname.slice(1, -1) : hostname).replace(/\.+$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  return isPrivateAddress(host)
}

function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code <= 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * An absolute http(s) URL of bounded length, or a 400: endpoints may be registered through an API. Exported as
 * `checkWebhookUrl` so a service can refuse a merchant's URL when it is handed over (a payment's `webhook_url`),
 * not later when the first event is recorded in some other request's transaction.
 */
export function checkWebhookUrl(url: string, { allowPrivateNetworks = false } = {}): string {
  return checkedUrl(url, allowPrivateNetworks)
}

function checkedUrl(url: string, allowPrivateNetworks: boolean): string {
  // The URL is stored as given, so what the parser would quietly drop or encode (controls, spaces, NUL, which
  // PostgreSQL text cannot hold) is refused instead.
  if (typeof url !== 'string' || hasSpaceOrControl(url)) {
    throw new CoreError('VALIDATION_FAILED', 'The webhook URL must not contain spaces or control characters')
  }
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
  if (!allowPrivateNetworks && isPrivateHost(parsed.hostname)) {
    throw new CoreError('VALIDATION_FAILED', 'The webhook URL must not point at a private or loopback address')
  }
  return url
}

const MAX_DESCRIPTION_LENGTH = 500

function checkedDescription(description: string): string {
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH || description.includes('\0')) {
    throw new CoreError('VALIDATION_FAILED', `The description is text of at most ${MAX_DESCRIPTION_LENGTH} characters`)
  }
  return description
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

const MAX_KEY_LENGTH = 200

function checkedKey(key: string | undefined): string | null {
  if (key === undefined) return null
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || hasSpaceOrControl(key)) {
    throw new CoreError('VALIDATION_FAILED', `An endpoint key is 1–${MAX_KEY_LENGTH} characters without spaces`)
  }
  return key
}

export interface CreateWebhookEndpointOptions {
  url: string
  /**
   * The caller's name for the endpoint (unique), e.g. `payments:` and a hash of a merchant's URL and secret. Keyed
   * endpoints may share a URL, so one receiver can be registered once per secret; messages name them by id or key.
   * Without a key a URL can be registered once (409 `CONFLICT` the second time) and messages may name it by URL.
   */
  key?: string
  description?: string
  /** A `whsec_` secret agreed with the receiver; a new random one by default. */
  secret?: string
  /**
   * Lets the URL point at loopback, private or link-local addresses: for tests and receivers inside our own
   * network, never for URLs a merchant gives (it would let them make us call 169.254.169.254 or our own admin).
   * Kept with the endpoint: its deliveries connect to a name resolving to such an address only when it is set.
   */
  allowPrivateNetworks?: boolean
  clock?: Clock
}

/** Registers an endpoint with one current secret; returns its id and the secret to hand to the receiver. */
export async function createWebhookEndpoint(
  tx: Queryable,
  options: CreateWebhookEndpointOptions,
): Promise<{ id: number; secret: string }> {
  const now = (options.clock ?? systemClock).now()
  const secret = checkedSecret(options.secret ?? generateWebhookSecret())
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false
  const url = checkedUrl(options.url, allowPrivateNetworks)
  const key = checkedKey(options.key)
  const id = await repository.insertEndpoint(tx, {
    key,
    url,
    description: checkedDescription(options.description ?? ''),
    allowPrivateNetworks,
    createdAt: now,
  })
  if (id === undefined) {
    throw key === null
      ? new CoreError('CONFLICT', 'A webhook endpoint is registered for this URL already', { url })
      : new CoreError('CONFLICT', 'A webhook endpoint is registered under this key already', { key })
  }
  await repository.insertSecret(tx, id, secret, now)
  return { id, secret }
}

export interface EnsureWebhookEndpointOptions extends CreateWebhookEndpointOptions {
  key: string
}

/**
 * The endpoint of this key, registered now if it is not yet (with the options' secret, or a random one): what a
 * service calls each time it is about to send to a target it learns per request (a payment's `webhook_url`).
 * Returns `secret` only when it registered the endpoint; an existing endpoint keeps its secrets (rotate them with
 * `rotateWebhookSecret`). A key registered already for another URL is 409 `CONFLICT`. Safe to call concurrently:
 * the second caller waits for the first to commit and gets its endpoint.
 */
export async function ensureWebhookEndpoint(
  tx: Queryable,
  options: EnsureWebhookEndpointOptions,
): Promise<{ id: number; created: boolean; secret?: string }> {
  const key = checkedKey(options.key) as string
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false
  const existing = await repository.findEndpointByKey(tx, key)
  if (existing) return sameEndpoint(tx, existing, options.url, allowPrivateNetworks)
  const now = (options.clock ?? systemClock).now()
  const secret = checkedSecret(options.secret ?? generateWebhookSecret())
  const url = checkedUrl(options.url, allowPrivateNetworks)
  const id = await repository.insertEndpoint(tx, {
    key,
    url,
    description: checkedDescription(options.description ?? ''),
    allowPrivateNetworks,
    createdAt: now,
  })
  if (id === undefined) {
    // Registered by a concurrent caller since the look-up above; its row is committed now.
    const raced = await repository.findEndpointByKey(tx, key)
    if (!raced) throw new CoreError('CONFLICT', 'The webhook endpoint key is being registered concurrently', { key })
    return sameEndpoint(tx, raced, options.url, allowPrivateNetworks)
  }
  await repository.insertSecret(tx, id, secret, now)
  return { id, created: true, secret }
}

/**
 * The existing endpoint of a key, if it has this URL. Whether it may reach private addresses follows the caller's
 * setting of now (a service whose PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS changed, an endpoint registered before
 * the setting was kept), so its next deliveries connect as the caller's URL check just allowed.
 */
async function sameEndpoint(
  tx: Queryable,
  endpoint: WebhookEndpoint,
  url: string,
  allowPrivateNetworks: boolean,
): Promise<{ id: number; created: false }> {
  if (endpoint.url !== url) {
    throw new CoreError('CONFLICT', 'A webhook endpoint is registered under this key for another URL', {
      key: endpoint.key,
    })
  }
  if (endpoint.allowPrivateNetworks !== allowPrivateNetworks) {
    checkedUrl(url, allowPrivateNetworks)
    await repository.setEndpointAllowPrivateNetworks(tx, endpoint.id, allowPrivateNetworks)
  }
  return { id: endpoint.id, created: false }
}

export function findWebhookEndpointByKey(q: Queryable, key: string) {
  return repository.findEndpointByKey(q, key)
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
