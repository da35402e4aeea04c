import {
  type Clock,
  type Database,
  ensureWebhookEndpoint,
  getWebhookEndpoint,
  getWebhookMessage,
  listWebhookAttempts,
  listWebhookMessages,
  resendWebhook,
  resendWebhooks,
  rotateWebhookSecret,
  type WebhookMessageStatus,
  webhookDeliveryStats,
} from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'
import { endpointKey } from './events.ts'

export interface DeliveryQuery {
  /** One payment's messages (its transaction id). */
  transactionId?: string
  status?: WebhookMessageStatus
  from?: Date
  to?: Date
  beforeId?: number
  limit?: number
}

/**
 * What an operator does with the payments' webhooks (admin API and `kokdala payments webhooks`): read the delivery
 * log of a payment or a time range with every attempt, resend one message or every failed one of a range, see how
 * each merchant URL is doing, and hand out and rotate the Standard Webhooks secret of a merchant's URL.
 */
export function createWebhookAdmin({
  db,
  clock,
  allowPrivateNetworks,
}: {
  db: Database
  clock: Clock
  allowPrivateNetworks: boolean
}) {
  async function endpointOf(endpointId: number) {
    const endpoint = await getWebhookEndpoint(db, endpointId)
    if (!endpoint?.key?.startsWith('payments:')) throw new PaymentsError('WEBHOOK_ENDPOINT_NOT_FOUND')
    return endpoint
  }

  return {
    /** Messages newest first, each with its attempts (status, latency, the start of the answer). */
    async deliveries(query: DeliveryQuery) {
      const messages = await listWebhookMessages(db, {
        subject: query.transactionId === undefined ? undefined : `payment:${query.transactionId}`,
        status: query.status,
        from: query.from,
        to: query.to,
        beforeId: query.beforeId,
        limit: query.limit,
      })
      return Promise.all(
        messages.map(async (message) => ({ message, attempts: await listWebhookAttempts(db, message.id) })),
      )
    },

    /** Sends one delivered or dead message again, under the same `webhook-id`. */
    async resend(messageId: number): Promise<void> {
      const message = await getWebhookMessage(db, messageId)
      if (!message?.subject?.startsWith('payment:')) throw new PaymentsError('WEBHOOK_MESSAGE_NOT_FOUND')
      if (!(await resendWebhook(db, messageId))) throw new PaymentsError('WEBHOOK_MESSAGE_PENDING')
    },

    /** Resends every dead (and, when asked, delivered) message created in [from, to); returns their ids. */
    resendRange(range: { from?: Date; to?: Date; includeDelivered?: boolean; transactionId?: string }) {
      return resendWebhooks(db, {
        from: range.from,
        to: range.to,
        statuses: range.includeDelivered ? ['dead', 'delivered'] : ['dead'],
        subject: range.transactionId === undefined ? undefined : `payment:${range.transactionId}`,
      })
    },

    /** Per merchant URL: attempts, success rate, latency, backlog, over [from, to) (the last 24 h by default). */
    async stats(range: { from?: Date; to?: Date }) {
      const stats = await webhookDeliveryStats(db, { ...range, clock })
      return stats.filter((s) => s.key?.startsWith('payments:'))
    },

    /**
     * The endpoint of a source's URL with its current Standard Webhooks secret, registered now if it is new: how a
     * merchant learns the secret before the first payment (and again later, like a dashboard's "reveal").
     */
    async register(sourceId: number, url: string) {
      const { id } = await db.transaction((tx) =>
        ensureWebhookEndpoint(tx, { key: endpointKey(sourceId, url), url, allowPrivateNetworks, clock }),
      )
      return this.secrets(id)
    },

    /** The endpoint's secrets in use, newest first; a rotated-out one signs until `expiresAt`. */
    async secrets(endpointId: number) {
      const endpoint = await endpointOf(endpointId)
      return { id: endpoint.id, url: endpoint.url, secrets: endpoint.secrets }
    },

    /** Starts signing with a new secret; the old ones keep signing beside it for `graceMs`. */
    async rotate(endpointId: number, graceMs: number) {
      await endpointOf(endpointId)
      const secret = await db.transaction((tx) => rotateWebhookSecret(tx, endpointId, { graceMs, clock }))
      return { id: endpointId, secret }
    },
  }
}

export type WebhookAdmin = ReturnType<typeof createWebhookAdmin>
