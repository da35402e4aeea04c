/**
 * The reference webhook receiver of the tests: what a careful integrator writes. It listens on a real port, reads the
 * raw body, verifies the Standard Webhooks signature with the `standardwebhooks` npm package (not our own code) and,
 * when asked, a seed-style hex HMAC-SHA256 of the raw body in a header of its own, then processes each `webhook-id`
 * once: a repeat is answered 200 and counted, never processed again. Tests stop it (connections refused), start it
 * again on the same port, make it fail, or hold its answers while a sender is killed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import type { Clock } from '../clock.ts'

export interface ReferenceWebhookReceiverOptions {
  /** The `whsec_` secret the Standard Webhooks signature must verify with (`receiver.secret` changes it later). */
  secret?: string
  /** Also require the seed's signature: this header holds the hex HMAC-SHA256 of the raw body under `secret`. */
  bodySignature?: { header: string; secret: string }
  /**
   * Check `webhook-timestamp` against this clock (5 minutes both ways) instead of the real one, for tests that move
   * time; the signature is still computed by the `standardwebhooks` package.
   */
  clock?: Clock
  /** 0 (a free port) by default. */
  port?: number
}

/** A message the receiver processed: once per `webhook-id`. */
export interface ProcessedWebhook {
  id: string
  /** The raw body as received (UTF-8 text). */
  body: string
  json: unknown
  /** Request headers, lower-case names. */
  headers: Record<string, string>
  /** Valid deliveries of this id, the first included: more than 1 means the sender repeated it. */
  deliveries: number
}

const TOLERANCE_SECONDS = 300

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Why a request is refused, or null when its signatures hold. */
function refusal(
  raw: Buffer,
  headers: Record<string, string>,
  options: ReferenceWebhookReceiverOptions & { secret: string },
) {
  const webhook = new Webhook(options.secret)
  try {
    if (!options.clock) {
      webhook.verify(raw, headers)
    } else {
      const [id, timestamp, given] = [headers['webhook-id'], headers['webhook-timestamp'], headers['webhook-signature']]
      if (!id || !timestamp || !given) return 'missing headers'
      const seconds = Number(timestamp)
      const now = Math.floor(options.clock.now().getTime() / 1000)
      if (!Number.isInteger(seconds) || Math.abs(now - seconds) > TOLERANCE_SECONDS) return 'timestamp out of tolerance'
      const expected = webhook.sign(id, new Date(seconds * 1000), raw)
      if (!given.split(' ').some((signature) => sameText(signature, expected))) return 'no matching signature'
    }
  } catch (error) {
    return (error as Error).message
  }
  if (options.bodySignature) {
    // As the seed's PHP recipe does over php://input: hex HMAC-SHA256 of the bytes as received.
    const { header, secret } = options.bodySignature
    const expected = createHmac('sha256', secret).update(raw).digest('hex')
    if (!sameText(headers[header.toLowerCase()] ?? '', expected)) return `bad ${header}`
  }
  return null
}

/** Starts a reference receiver; `url` is where to send. */
export async function startReferenceWebhookReceiver(options: ReferenceWebhookReceiverOptions = {}) {
  const byId = new Map<string, ProcessedWebhook>()
  const held: ServerResponse[] = []
  const heldWaiters: ((id: string) => void)[] = []
  const state = {
    secret: options.secret ?? '',
    /** When set, requests are answered with this status and not processed: the receiver is failing. */
    failWith: null as number | null,
    /** When true, requests are processed and their answers withheld until `releaseAnswers`. */
    holdAnswers: false,
    requests: 0,
    /** Valid repeats of an id processed before: the de-duplication at work. */
    duplicates: 0,
    refused: [] as { reason: string; headers: Record<string, string> }[],
    processed: [] as ProcessedWebhook[],
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      state.requests++
      if (state.failWith !== null) {
        response.writeHead(state.failWith).end('failing on purpose')
        return
      }
      const raw = Buffer.concat(chunks)
      const headers = flatHeaders(request.headers)
      const reason = refusal(raw, headers, { ...options, secret: state.secret })
      if (reason !== null) {
        state.refused.push({ reason, headers })
        response.writeHead(401).end(reason)
        return
      }
      const id = headers['webhook-id']
      const seen = byId.get(id)
      if (seen) {
        seen.deliveries++
        state.duplicates++
      } else {
        const processed = {
          id,
          body: raw.toString('utf8'),
          json: JSON.parse(raw.toString('utf8')),
          headers,
          deliveries: 1,
        }
        byId.set(id, processed)
        state.processed.push(processed)
      }
      if (state.holdAnswers) {
        held.push(response)
        for (const waiter of heldWaiters.splice(0)) waiter(id)
        return
      }
      response.writeHead(200).end('ok')
    })
  })
  let port = options.port ?? 0
  const listen = async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    port = (server.address() as AddressInfo).port
  }
  await listen()
  return {
    state,
    get url() {
      return `http://127.0.0.1:${port}/webhooks`
    },
    /** The processed message of this `webhook-id`. */
    get(id: string): ProcessedWebhook | undefined {
      return byId.get(id)
    },
    /** Resolves with the `webhook-id` of the next request whose answer is held (`state.holdAnswers`). */
    nextHeld(): Promise<string> {
      return new Promise((resolve) => heldWaiters.push(resolve))
    },
    /** Answers the held requests whose senders still listen. */
    releaseAnswers() {
      state.holdAnswers = false
      for (const response of held.splice(0)) {
        if (!response.destroyed) response.writeHead(200).end('ok')
      }
    },
    /** Stops listening and drops open connections: senders now get ECONNREFUSED. */
    async stop() {
      held.splice(0)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    /** Listens again on the same port. */
    start: listen,
  }
}

export type ReferenceWebhookReceiver = Awaited<ReturnType<typeof startReferenceWebhookReceiver>>
