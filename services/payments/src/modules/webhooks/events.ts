import { createHash } from 'node:crypto'
import { type Clock, checkWebhookUrl, enqueueWebhook, ensureWebhookEndpoint, type Queryable } from '@kokdala/core'
import type { PaymentEvent, PaymentEvents } from '../payments/events.ts'
import { type FiscalFeed, fiscalFeedEndpoint } from './fiscal-feed.ts'

/** What the seed's sender put in `User-Agent`; integrators filter on it. */
export const WEBHOOK_USER_AGENT = 'ByFly-Payment-Center/1.0'

/**
 * The endpoint key of a source's URL: one endpoint per (source, URL), so a merchant's many payments to one URL
 * share its Standard Webhooks secret, its statistics and its 410 switch, and two sources never share a secret.
 */
export function endpointKey(sourceId: number | null, url: string): string {
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 32)
  return `payments:${sourceId ?? 0}:${digest}`
}

/**
 * The event's identity: the same change recorded twice (a retried transaction, two pollers settling one attempt)
 * is one message, while two partial payments of one payment are two.
 */
function dedupeKey(event: PaymentEvent): string {
  const p = event.payload
  return `${event.transactionId}:${event.name}:${p.status}:${p.paid_amount}:${p.refunded_amount}:${p.written_off_amount}`
}

export interface PaymentWebhookEventsOptions {
  clock: Clock
  /** Tests and our own receivers only: lets webhook URLs point at loopback and private addresses. */
  allowPrivateNetworks: boolean
  /** Where a payment's unusable webhook URL is reported (it is skipped, not allowed to fail the payment). */
  log?: { warn(object: object, message: string): void }
  /** The operator's fiscal feed (PAYMENTS_FISCAL_WEBHOOK_*): every event goes there too; none when unset. */
  fiscalFeed?: FiscalFeed
}

/**
 * `PaymentEvents` on core webhooks: an outbox row in the caller's transaction, whose body is the seed's flat
 * payload as exact bytes (its `timestamp` the message's one clock read), signed the Standard Webhooks way with the
 * endpoint's secret and, for the seed's integrators, with `X-Webhook-Signature` (hex HMAC-SHA256 of those bytes
 * under the payment's `webhook_secret`) beside `X-Webhook-Event` and `X-Webhook-Timestamp`.
 */
export function createPaymentWebhookEvents({
  clock,
  allowPrivateNetworks,
  log,
  fiscalFeed,
}: PaymentWebhookEventsOptions): PaymentEvents {
  const headersOf = (event: PaymentEvent) => ({ 'X-Webhook-Event': event.name, 'User-Agent': WEBHOOK_USER_AGENT })
  const bodyOf =
    (event: PaymentEvent) =>
    ({ timestamp }: { timestamp: number }) =>
      JSON.stringify({ ...event.payload, timestamp })

  async function recordForMerchant(tx: Queryable, event: PaymentEvent): Promise<void> {
    if (!event.webhookUrl) return
    // A URL we will never call (a private address, credentials) that got past `init` must not make the change it
    // announces fail: recorded in a cancel's or a capture's transaction, the 400 would leave the payment
    // uncancellable and its terminal leased, or a customer's money unrecorded. It is skipped and reported.
    try {
      checkWebhookUrl(event.webhookUrl, { allowPrivateNetworks })
    } catch (error) {
      log?.warn(
        { transactionId: event.transactionId, event: event.name, reason: (error as Error).message },
        'webhook not sent: the payment’s webhook_url is not allowed',
      )
      return
    }
    const { id: endpointId } = await ensureWebhookEndpoint(tx, {
      key: endpointKey(event.sourceId, event.webhookUrl),
      url: event.webhookUrl,
      description: `payments source ${event.sourceId ?? 'none'}`,
      allowPrivateNetworks,
      clock,
    })
    await enqueueWebhook(tx, {
      endpointId,
      eventType: event.name,
      body: bodyOf(event),
      headers: headersOf(event),
      timestampHeader: 'X-Webhook-Timestamp',
      bodySignature: event.webhookSecret ? { header: 'X-Webhook-Signature', secret: event.webhookSecret } : undefined,
      dedupeKey: dedupeKey(event),
      subject: `payment:${event.transactionId}`,
      clock,
    })
  }

  /**
   * The same event for the fiscal service, whether or not the merchant asked for a webhook: the same body bytes,
   * signed the Standard Webhooks way only (there is no merchant secret to sign with). Its own message, so a merchant
   * who is down never holds back a receipt, and the other way round.
   */
  async function recordForFiscal(tx: Queryable, event: PaymentEvent, feed: FiscalFeed): Promise<void> {
    await enqueueWebhook(tx, {
      endpointId: await fiscalFeedEndpoint(tx, feed, clock),
      eventType: event.name,
      body: bodyOf(event),
      headers: headersOf(event),
      timestampHeader: 'X-Webhook-Timestamp',
      dedupeKey: dedupeKey(event),
      subject: `payment:${event.transactionId}`,
      clock,
    })
  }

  return {
    async record(tx: Queryable, event: PaymentEvent): Promise<void> {
      await recordForMerchant(tx, event)
      if (fiscalFeed) await recordForFiscal(tx, event, fiscalFeed)
    },
  }
}
