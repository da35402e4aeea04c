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

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0].trim().toLowerCase() === 'application/json'
}

/**
 * A `preHandler` that refuses a request unless it is a Standard Webhooks message signed with one of the secrets
 * and sent within the tolerance: 401 `WEBHOOK_SIGNATURE_INVALID` with the reason in `details` (415
 * `UNSUPPORTED_MEDIA_TYPE` for a body that is not JSON). The route's plugin
 * must call `keepRawJsonBody`: the signature is over the bytes as sent, not over re-serialised JSON. After it,
 * `webhook-id` is the sender's proven message id, the key to de-duplicate deliveries by.
 */
export function standardWebhookGuard(options: StandardWebhookGuardOptions) {
  const clock = options.clock ?? systemClock
  return async function verifyWebhookSignature(request: FastifyRequest): Promise<void> {
    if (request.rawBody === undefined && request.body !== undefined) {
      // A body another parser read (Fastify's text/plain, say): Standard Webhooks messages are JSON, and its bytes
      // were not kept, so it is the sender's mistake; anyone could otherwise buy a 500 with a text body.
      if (!isJson(request.headers['content-type'])) throw new CoreError('UNSUPPORTED_MEDIA_TYPE')
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
