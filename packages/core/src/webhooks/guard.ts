/** Receiving Standard Webhooks in a Fastify route: the signature checked over the raw bytes before the handler. */
import type { FastifyRequest } from 'fastify'
import { type Clock, systemClock } from '../clock.ts'
import { CoreError } from '../errors.ts'
import { verifyStandardWebhook, type WebhookSecrets } from './signature.ts'

export interface StandardWebhookGuardOptions {
  /** The sender's secret(s), or a function giving them per request (looked up by tenant, rotated at run time). */
  secrets: WebhookSecrets | ((request: FastifyRequest) => WebhookSecrets | Promise<WebhookSecrets>)
  toleranceSeconds?: number
  clock?: Clock
}

/**
 * A `preHandler` that refuses a request unless it is a Standard Webhooks message signed with one of the secrets
 * and sent within the tolerance: 401 `WEBHOOK_SIGNATURE_INVALID` with the reason in `details`. The route's plugin
 * must call `keepRawJsonBody`: the signature is over the bytes as sent, not over re-serialised JSON. After it,
 * `webhook-id` is the sender's proven message id, the key to de-duplicate deliveries by.
 */
export function standardWebhookGuard(options: StandardWebhookGuardOptions) {
  const clock = options.clock ?? systemClock
  return async function verifyWebhookSignature(request: FastifyRequest): Promise<void> {
    if (request.rawBody === undefined && request.body !== undefined) {
      // A bug, not the sender's fault: without the bytes as sent nothing can be verified.
      throw new Error('standardWebhookGuard needs keepRawJsonBody in the plugin of the route')
    }
    const secrets = typeof options.secrets === 'function' ? await options.secrets(request) : options.secrets
    const result = verifyStandardWebhook({
      secrets,
      body: request.rawBody ?? Buffer.alloc(0),
      headers: request.headers,
      now: clock.now(),
      toleranceSeconds: options.toleranceSeconds,
    })
    if (!result.ok) throw new CoreError('WEBHOOK_SIGNATURE_INVALID', undefined, { reason: result.reason })
  }
}
