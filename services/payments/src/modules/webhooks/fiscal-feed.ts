import { createHash } from 'node:crypto'
import {
  type Clock,
  type Database,
  ensureWebhookEndpoint,
  findWebhookEndpointByKey,
  type Queryable,
  rotateWebhookSecret,
} from '@kokdala/core'

/** Where the operator's fiscal feed goes and the `whsec_` secret it is signed with (PAYMENTS_FISCAL_WEBHOOK_*). */
export interface FiscalFeed {
  url: string
  secret: string
}

/**
 * The feed endpoint's key: one per URL, so pointing the feed elsewhere makes a new endpoint while messages already
 * written keep going where they were addressed (no core call moves an endpoint), and a merchant key never collides.
 */
export function fiscalFeedKey(url: string): string {
  return `payments:fiscal:${createHash('sha256').update(url).digest('hex').slice(0, 32)}`
}

/**
 * The feed's endpoint in `tx`, registered with the configured secret the first time. The URL is the operator's
 * (configuration, not a merchant's input), so it may name our own network: fiscal runs beside payments.
 */
export async function fiscalFeedEndpoint(tx: Queryable, feed: FiscalFeed, clock: Clock): Promise<number> {
  const { id } = await ensureWebhookEndpoint(tx, {
    key: fiscalFeedKey(feed.url),
    url: feed.url,
    secret: feed.secret,
    description: 'fiscal feed (PAYMENTS_FISCAL_WEBHOOK_URL)',
    allowPrivateNetworks: true,
    clock,
  })
  return id
}

/**
 * At start: the endpoint exists and signs with the configured secret. A secret changed in the configuration is a
 * rotation: the previous one keeps signing beside it for core's grace period, so fiscal processes still on the old
 * secret during a rolling change verify too. Returns whether it rotated.
 */
export async function syncFiscalFeed(db: Database, feed: FiscalFeed, clock: Clock): Promise<boolean> {
  return db.transaction(async (tx) => {
    const id = await fiscalFeedEndpoint(tx, feed, clock)
    const endpoint = await findWebhookEndpointByKey(tx, fiscalFeedKey(feed.url))
    // Secrets come newest first; the current one has no expiry.
    const current = endpoint?.secrets.find((s) => !s.expiresAt)
    if (current?.secret === feed.secret) return false
    await rotateWebhookSecret(tx, id, { secret: feed.secret, clock })
    return true
  })
}
