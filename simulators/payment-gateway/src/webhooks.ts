import { randomUUID } from 'node:crypto'
import { signWebhook } from '@kokdala/toleubar'
import type { Team, TransitionEvent } from './store.ts'

export interface WebhookPayload {
  paymentId: string
  status: string
  teamSlug: string
  timestamp: string
  data: Record<string, unknown>
}

/** The event name the gateway puts in `X-Webhook-Event`. */
export type WebhookEvent = 'payment_status_change' | 'generic_notification'

/**
 * Maps a transition to the body the real `NotificationWebhookService` sends: CONFIRMED is reported as
 * `completed`, REJECTED/CANCELLED/EXPIRED as `failed` with the reason, the form render with its own data (the only
 * message carrying `order_id`), every other status under its enum name.
 */
export function webhookPayload(event: TransitionEvent): { event: WebhookEvent; payload: WebhookPayload } {
  const { payment, to, at } = event
  const timestamp = new Date(at).toISOString()
  const base = { paymentId: payment.paymentId, teamSlug: payment.teamSlug, timestamp }
  if (to === 'FORM_SHOWED') {
    const context = event.context ?? {}
    return {
      event: 'generic_notification',
      payload: {
        ...base,
        status: 'FORM_SHOWED',
        data: {
          event_type: 'form_showed',
          amount: payment.amount,
          currency: payment.currency,
          order_id: payment.orderId,
          client_ip: context.clientIp ?? null,
          language: context.language ?? payment.language,
          user_agent: context.userAgent ?? null,
          timestamp,
        },
      },
    }
  }
  if (to === 'CONFIRMED') {
    return {
      event: 'payment_status_change',
      payload: { ...base, status: 'completed', data: { event_type: 'payment_completed' } },
    }
  }
  if (to === 'REJECTED' || to === 'CANCELLED' || to === 'EXPIRED') {
    return {
      event: 'payment_status_change',
      payload: { ...base, status: 'failed', data: { event_type: 'payment_failed', failure_reason: to } },
    }
  }
  return {
    event: 'payment_status_change',
    payload: { ...base, status: to, data: { transition_timestamp: timestamp, status_name: to } },
  }
}

/** One HTTP attempt of one delivery, kept so tests and `/__sim/webhooks` can see what was sent. */
export interface DeliveryAttempt {
  deliveryId: string
  url: string
  event: WebhookEvent
  attempt: number
  /** Which of the duplicated deliveries this is (1 unless the `duplicateWebhooks` fault is on). */
  copy: number
  status: number | null
  error?: string
  body: string
}

const MAX_LOGGED_ATTEMPTS = 1000

/** One webhook message as it goes on the wire, shared by all its copies and retries. */
interface Delivery {
  deliveryId: string
  url: string
  event: WebhookEvent
  body: string
  headers: Record<string, string>
}

export interface WebhookDispatcherOptions {
  /** First retry delay; the real gateway waits 1 s, 2 s, 4 s… Tests pass a few milliseconds. */
  backoffBaseMs: number
  timeoutMs: number
  onAttempt?: (attempt: DeliveryAttempt) => void
}

/**
 * Sends webhooks in the background: the API answer never waits for them. Each delivery is retried after any
 * non-2xx answer, network error or timeout, `webhookRetryAttempts` times with doubling delays. A delivery may be
 * sent as several identical copies at once, as a real sender does when the merchant's 2xx is lost on the way back.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions) {
  const inFlight = new Set<Promise<void>>()
  const stop = new AbortController()
  const attempts: DeliveryAttempt[] = []

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (stop.signal.aborted) return resolve()
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        stop.signal.removeEventListener('abort', done)
        resolve()
      }
      stop.signal.addEventListener('abort', done, { once: true })
    })
  }

  async function deliver(team: Team, url: string, event: WebhookEvent, body: string, copies: number): Promise<void> {
    const deliveryId = randomUUID()
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'PaymentGateway-Webhook/1.0',
      'x-webhook-event': event,
      'x-webhook-delivery': deliveryId,
    }
    if (team.webhookSecret) headers['x-webhook-signature'] = signWebhook(team.webhookSecret, body)
    const delivery: Delivery = { deliveryId, url, event, body, headers }
    // Copies share the body bytes, delivery id and signature and race each other, so a merchant endpoint that is
    // not idempotent per delivery id shows it.
    await Promise.all(Array.from({ length: copies }, (_, index) => send(team, delivery, index + 1)))
  }

  async function send(team: Team, delivery: Delivery, copy: number): Promise<void> {
    const { deliveryId, url, event, body, headers } = delivery
    for (let attempt = 1; attempt <= team.webhookRetryAttempts + 1 && !stop.signal.aborted; attempt++) {
      if (attempt > 1) await sleep(options.backoffBaseMs * 2 ** (attempt - 2))
      if (stop.signal.aborted) return
      const record: DeliveryAttempt = { deliveryId, url, event, attempt, copy, status: null, body }
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([stop.signal, AbortSignal.timeout(options.timeoutMs)]),
        })
        await response.body?.cancel()
        record.status = response.status
      } catch (error) {
        record.error = (error as Error).message
      }
      // Bounded so a long-running demo does not grow without limit.
      if (attempts.push(record) > MAX_LOGGED_ATTEMPTS) attempts.shift()
      options.onAttempt?.(record)
      if (record.status !== null && record.status >= 200 && record.status < 300) return
    }
  }

  return {
    /**
     * Queues the webhook for a transition, sent as `copies` identical deliveries (1 normally); a no-op when the team
     * has no notification URL, as in the real one.
     */
    dispatch(team: Team, transition: TransitionEvent, copies = 1): void {
      if (!team.notificationUrl) return
      const { event, payload } = webhookPayload(transition)
      const promise = deliver(team, team.notificationUrl, event, JSON.stringify(payload), copies)
      inFlight.add(promise)
      promise.finally(() => inFlight.delete(promise))
    },
    /** Resolves when every queued delivery (with its retries) has finished. */
    async idle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    attempts(): readonly DeliveryAttempt[] {
      return attempts
    },
    /** Abandons pending retries so the process can exit. */
    close(): void {
      stop.abort()
    },
  }
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>
