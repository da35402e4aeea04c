/**
 * End-to-end harness: the payments service on a real port, its real terminals module talking over HTTP to the Kaspi
 * simulator (started in-process), webhooks going to the reference receiver. Nothing is faked: a test drives it only
 * through the public API, the admin API and the simulator's control API, as an integrator and an operator would.
 */
import assert from 'node:assert/strict'
import type { Database } from '@kokdala/core'
import { eventually, fetchJson, openTestDatabase } from '@kokdala/core/testing'
import { buildKaspiSimulatorApp } from '@kokdala/kaspi-simulator'
import { runSimulator } from '@kokdala/sim-kit'
import { buildPaymentsApp, type PaymentsApp } from '../src/app.ts'
import { loadPaymentsConfig } from '../src/config.ts'
import { paymentsMigrations } from '../src/database.ts'

export const E2E_ADMIN_TOKEN = 'admin-token-for-e2e-tests-0123456789abcdef'

// A parsed answer, read field by field in tests.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

export interface HttpAnswer {
  status: number
  body: Json
  headers: Headers
}

/** One HTTP request with a JSON body (or none), as an integrator's code sends it. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let parsed: Json = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers }
}

/** The seed's API at `baseUrl`, with a source's X-API-Token for the calls that need one. */
export function seedApi(baseUrl: string, token?: string) {
  const auth: Record<string, string> = token ? { 'x-api-token': token } : {}
  return {
    init: (body: unknown, headers: Record<string, string> = {}) =>
      http(baseUrl, 'POST', '/api/payment/init', body, { ...auth, ...headers }),
    get: (id: string) => http(baseUrl, 'GET', `/api/payment/${id}`),
    status: (id: string) => http(baseUrl, 'GET', `/api/payment/${id}/status`),
    kaspi: (id: string, method: string, headers: Record<string, string> = {}) =>
      http(baseUrl, 'POST', `/api/payment/${id}/kaspi`, { payment_method: method }, headers),
  }
}

/** The admin API at `baseUrl`. */
export function adminApi(baseUrl: string, adminToken = E2E_ADMIN_TOKEN) {
  const send = (method: string, path: string, body?: unknown) =>
    http(baseUrl, method, path, body, { authorization: `Bearer ${adminToken}` })
  return {
    send,
    /** A new source token, the way the service offers it (the admin endpoint; the CLI calls the same service). */
    async sourceToken(source: string): Promise<{ token: string; sourceId: number }> {
      const created = await send('POST', '/api/admin/sources/tokens', { source })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const listed = await send('GET', '/api/admin/sources')
      const found = listed.body.data.find((s: { name: string }) => s.name === source)
      return { token: created.body.data.token, sourceId: found.id }
    },
    /** Registers the merchant's URL and returns its Standard Webhooks secret (`whsec_…`). */
    async webhookSecret(sourceId: number, url: string): Promise<string> {
      const registered = await send('POST', '/api/admin/webhooks/endpoints', { source_id: sourceId, url })
      assert.equal(registered.status, 200, JSON.stringify(registered.body))
      return registered.body.data.secrets[0].secret
    },
    async terminals(): Promise<Json[]> {
      const listed = await send('GET', '/api/admin/terminals')
      assert.equal(listed.status, 200, JSON.stringify(listed.body))
      return listed.body.data
    },
    async deliveries(transactionId?: string): Promise<Json[]> {
      const query = transactionId ? `?transaction_id=${transactionId}&limit=100` : '?limit=100'
      const listed = await send('GET', `/api/admin/webhooks/deliveries${query}`)
      assert.equal(listed.status, 200, JSON.stringify(listed.body))
      return listed.body.data
    },
  }
}

/** The Kaspi simulator's control API. */
export function simControl(simUrl: string) {
  return {
    /** The customer pays what terminal `id` shows, or `body` says (productType, amount, loanTerm…). */
    async pay(terminalId: number | string, body?: object) {
      const answer = await fetchJson(simUrl, 'POST', `/__sim/terminals/${terminalId}/pay`, body)
      assert.ok(answer.status < 300, `pay on ${terminalId}: ${answer.status} ${JSON.stringify(answer.json)}`)
      return answer.json
    },
    /** The terminal calls the simulator received, of one operation (`payment`, `status`, `cancel`…). */
    async requests(operation: string): Promise<{ url: string }[]> {
      return (await fetchJson(simUrl, 'GET', `/__sim/requests?operation=${operation}`)).json.requests
    },
    async terminals(): Promise<{ id: string; state: string }[]> {
      return (await fetchJson(simUrl, 'GET', '/__sim/terminals')).json.terminals
    },
  }
}

export interface KaspiSim {
  url: string
  close(): Promise<void>
}

/** The Kaspi simulator on a free port with terminals `1..count`. */
export async function startKaspiSimulator(count: number): Promise<KaspiSim> {
  const terminals = Array.from({ length: count }, (_, i) => ({ id: String(i + 1) }))
  return runSimulator({
    name: 'kaspi',
    host: '127.0.0.1',
    port: 0,
    build: () => buildKaspiSimulatorApp({ terminals }),
  })
}

export interface E2EPlatform {
  sim: KaspiSim
  payments: PaymentsApp
  /** The payments service's base URL. */
  url: string
  db: Database
  close(): Promise<void>
}

/**
 * The simulator with `terminals` terminals and the payments service on a fresh test database (PGlite, or a new
 * PostgreSQL database with TEST_DATABASE_URL), background on (job worker, terminal poller, expiry), listening on a
 * free port; the service adopts the simulator's terminals at start (KASPI_SIMULATOR_URL) as `kokdala start` does.
 */
export async function startE2E({
  terminals = 4,
  env = {},
}: {
  terminals?: number
  env?: Record<string, string>
} = {}): Promise<E2EPlatform> {
  const sim = await startKaspiSimulator(terminals)
  const db = await openTestDatabase(paymentsMigrations)
  const config = loadPaymentsConfig({
    LOG_LEVEL: 'silent',
    PAYMENTS_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
    PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    KASPI_SIMULATOR_URL: sim.url,
    // The simulator shares this process's event loop with PGlite: generous timeouts, no per-IP limit for pollers.
    KASPI_TERMINAL_TIMEOUT_MS: '15000',
    PAYMENTS_PUBLIC_RATE_PER_MINUTE: '0',
    ...env,
  })
  const payments = await buildPaymentsApp({ config, db, background: true })
  await payments.app.listen({ port: 0, host: '127.0.0.1' })
  const address = payments.app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const admin = adminApi(url)
  await eventually(async () => (await admin.terminals()).length === terminals, 10_000, 'terminals adopted')
  return {
    sim,
    payments,
    url,
    db,
    async close() {
      await payments.app.close()
      await db.close()
      await sim.close()
    },
  }
}

/** Polls GET …/status every `everyMs` until the status is one of `wanted`; returns the last status data. */
export async function waitForStatus(
  api: ReturnType<typeof seedApi>,
  id: string,
  wanted: string[],
  { everyMs = 200, timeoutMs = 20_000 } = {},
): Promise<Json> {
  const deadline = Date.now() + timeoutMs
  let last: Json
  for (;;) {
    const answer = await api.status(id)
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    last = answer.body.data
    if (wanted.includes(last.status)) return last
    if (Date.now() > deadline) throw new Error(`${id} stayed ${last.status}, wanted ${wanted.join('|')}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
