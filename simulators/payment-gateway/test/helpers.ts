import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { paymentInitToken, requestToken } from '@kokdala/toleubar'
import { buildPaymentGatewayApp, type PaymentGatewayOptions } from '../src/app.ts'

export const TEAM = { teamSlug: 'alem', password: 'Passw0rd' }
export const START = Date.UTC(2025, 7, 15, 12, 0, 0)

/** A gateway with one team, a movable clock and a deterministic random source. */
export async function startGateway(overrides: Partial<PaymentGatewayOptions> = {}) {
  const time = { now: START }
  const app = await buildPaymentGatewayApp({
    teams: [TEAM],
    publicUrl: 'http://gateway.test',
    clock: () => time.now,
    random: () => 0.5,
    ...overrides,
  })
  return { app, time }
}

type App = Awaited<ReturnType<typeof startGateway>>['app']

export interface InitFields {
  amount?: number
  orderId?: string
  currency?: string
  successURL?: string
  failURL?: string
  paymentExpiry?: number
}

export async function initPayment(app: App, fields: InitFields = {}, team = TEAM) {
  const body = {
    teamSlug: team.teamSlug,
    amount: 4000000,
    orderId: `order-${Math.random().toString(36).slice(2)}`,
    ...fields,
  }
  const token = paymentInitToken(body, team.password)
  return app.inject({ method: 'POST', url: '/api/v1/PaymentInit/init', payload: { ...body, token } })
}

/** Body with a valid token for check/cancel-style requests (PaymentId + Password + TeamSlug). */
export function signed(body: Record<string, unknown>, team = TEAM) {
  const full = { teamSlug: team.teamSlug, ...body }
  return { ...full, token: requestToken(full, team.password) }
}

export function submitCard(app: App, paymentId: string, cardNumber: string, expiryDate = '12/30') {
  const form = new URLSearchParams({ PaymentId: paymentId, CardNumber: cardNumber, ExpiryDate: expiryDate, Cvv: '123' })
  return app.inject({
    method: 'POST',
    url: '/api/v1/paymentform/submit',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  })
}

export async function checkStatus(app: App, paymentId: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/PaymentCheck/check',
    payload: signed({ paymentId }),
  })
  return response.json().payments[0].status as string
}

interface Received {
  headers: IncomingHttpHeaders
  raw: string
}

/** A tiny webhook receiver on a free port; `answers` are the status codes to reply with, then 200. */
export async function startReceiver(answers: number[] = []) {
  const received: Received[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ headers: request.headers, raw: Buffer.concat(chunks).toString('utf8') })
      response.statusCode = answers.shift() ?? 200
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
