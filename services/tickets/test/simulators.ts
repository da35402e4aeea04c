import type { AddressInfo } from 'node:net'
import { freePort } from '@kokdala/core/testing'
import { buildEventProviderApp, type EventProviderOptions } from '@kokdala/event-provider'
import { buildPaymentGatewayApp, type PaymentGatewayOptions } from '@kokdala/payment-gateway'
import { startTickets } from './harness.ts'

// Shared with the tests that import them from here.
export { eventually, freePort } from '@kokdala/core/testing'

export const TEAM = { teamSlug: 'kokdala-test', password: 'test-password' }
export const WEBHOOK_SECRET = 'test-webhook-secret'

export interface PlatformOptions {
  /** Tickets configuration on top of the wiring to the simulators. */
  env?: Record<string, string>
  /** Event Provider simulator options, or false for none (event 1 is then a local hall, and start-up is quicker). */
  provider?: EventProviderOptions | false
  /** Gateway simulator options on top of the test team (its daily limit, say). */
  gateway?: Partial<PaymentGatewayOptions>
  /** Whether the gateway delivers its own webhooks to tickets (signed with WEBHOOK_SECRET). */
  webhooks?: boolean
}

/**
 * Tickets wired to both simulators over real HTTP on loopback ports, with its worker and sweeper running on the
 * real clock: the setting of the integration tests. The gateway settles cards at once.
 */
export async function startPlatform({
  env = {},
  provider: providerOptions,
  gateway: gatewayOptions,
  webhooks = false,
}: PlatformOptions = {}) {
  const provider =
    providerOptions === false ? undefined : buildEventProviderApp({ projectionLagMs: 20, ...providerOptions })
  await provider?.listen({ port: 0, host: '127.0.0.1' })
  const providerUrl = provider && `http://127.0.0.1:${(provider.server.address() as AddressInfo).port}`

  const [gatewayPort, ticketsPort] = [await freePort(), await freePort()]
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  const ticketsUrl = `http://127.0.0.1:${ticketsPort}`
  const gateway = await buildPaymentGatewayApp({
    publicUrl: gatewayUrl,
    processingDelayMs: [0, 0],
    webhookBackoffMs: 50,
    ...gatewayOptions,
    teams: [
      {
        ...TEAM,
        notificationUrl: webhooks ? `${ticketsUrl}/api/payments/notifications` : undefined,
        webhookSecret: WEBHOOK_SECRET,
      },
    ],
  })
  await gateway.listen({ port: gatewayPort, host: '127.0.0.1' })

  const tickets = await startTickets(
    {
      TICKETS_PUBLIC_URL: ticketsUrl,
      ...(providerUrl ? { EVENT_PROVIDER_URL: providerUrl } : {}),
      PAYMENT_GATEWAY: 'toleubar',
      PAYMENT_GATEWAY_URL: gatewayUrl,
      PAYMENT_TEAM_SLUG: TEAM.teamSlug,
      PAYMENT_TEAM_PASSWORD: TEAM.password,
      PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...env,
    },
    { background: true, realClock: true },
  )
  await tickets.app.listen({ port: ticketsPort, host: '127.0.0.1' })
  await tickets.placesLoaded()

  return {
    tickets,
    /** Present unless the platform was started with `provider: false`, as is its URL. */
    provider: provider!,
    gateway,
    ticketsUrl,
    providerUrl: providerUrl!,
    gatewayUrl,
    /** The provider's own view of an order, read over HTTP like any partner would. */
    async providerOrder(orderId: string): Promise<{ status: string; places_count: number }> {
      const response = await fetch(`${providerUrl}/api/partners/v1/orders/${orderId}`)
      return response.json() as Promise<{ status: string; places_count: number }>
    },
    async close() {
      await tickets.close()
      await gateway.close()
      await provider?.close()
    },
  }
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>

/**
 * Pays on the hosted form the way a browser would, without following the redirect: renders the form (the gateway
 * requires it to have been shown) and submits the card. Returns the success/fail URL the buyer would land on.
 */
export async function payAtGateway(paymentUrl: string, card: string): Promise<string> {
  const rendered = await fetch(paymentUrl)
  if (rendered.status !== 200) throw new Error(`payment form: ${rendered.status}`)
  await rendered.text()
  const paymentId = paymentUrl.split('/').pop()!.split('?')[0]
  const submitted = await fetch(new URL('/api/v1/paymentform/submit', paymentUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      PaymentId: paymentId,
      CardNumber: card,
      ExpiryDate: '12/30',
      Cvv: '123',
      CardholderName: 'TEST BUYER',
    }).toString(),
    redirect: 'manual',
  })
  await submitted.text()
  const location = submitted.headers.get('location')
  if (submitted.status !== 302 || !location) throw new Error(`payment submit: ${submitted.status}`)
  return location
}
