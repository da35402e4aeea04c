import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { fetchJson } from '@kokdala/core/testing'
import {
  createInProcessWebkassaClient,
  createWebkassaSim,
  startWebkassaSimulator,
  WEBKASSA_SIM_DEMO,
} from '@kokdala/webkassa-simulator'
import { createWebkassaClient, type WebkassaHttpClient, type WebkassaHttpClientOptions } from '../src/index.ts'
import { type WebkassaContractSubject, webkassaContract } from './contract.ts'

async function control(url: string, method: string, path: string, body?: unknown) {
  const answer = await fetchJson(url, method, path, body)
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json
}

webkassaContract('the simulator over HTTP', async (): Promise<WebkassaContractSubject> => {
  const sim = await startWebkassaSimulator()
  const url = sim.url
  // The same simulator under a second host, as Webkassa's alternative domain: a bare listener handing its
  // requests to the simulator's server.
  const alternative = createServer((request, response) => sim.app.server.emit('request', request, response))
  await new Promise<void>((resolve) => alternative.listen(0, '127.0.0.1', resolve))
  const primaryHost = new URL(url).host
  const alternativeHost = `127.0.0.1:${(alternative.address() as AddressInfo).port}`
  const clients: WebkassaHttpClient[] = []
  const client = (options: Partial<WebkassaHttpClientOptions> = {}) => {
    // The contract cuts connections on purpose; an open breaker would hide the next case's answers.
    const made = createWebkassaClient({
      baseUrl: url,
      apiKey: WEBKASSA_SIM_DEMO.apiKey,
      timeoutMs: 5000,
      breaker: { failureThreshold: 1000 },
      ...options,
    })
    clients.push(made)
    return made
  }
  const failoverClient = client({ failoverHosts: [alternativeHost] })
  let cashboxes = 0
  let externals = 0

  async function undoFaults(patch: Record<string, unknown>) {
    const before = (await control(url, 'GET', '/__sim/faults')) as Record<string, unknown>
    await control(url, 'POST', '/__sim/faults', patch)
    const restore = Object.fromEntries(Object.keys(patch).map((key) => [key, before[key]]))
    return async () => void (await control(url, 'POST', '/__sim/faults', restore))
  }

  return {
    client: client(),
    login: WEBKASSA_SIM_DEMO.login,
    password: WEBKASSA_SIM_DEMO.password,
    cashbox: WEBKASSA_SIM_DEMO.cashboxes[0],
    externalNumber: () => `contract-${++externals}`,
    control: {
      async freshCashbox() {
        const uniqueNumber = `SWKC${String(++cashboxes).padStart(7, '0')}`
        await control(url, 'POST', '/__sim/cashboxes', { uniqueNumber })
        return uniqueNumber
      },
      expireTokens: async () =>
        void (await control(
          url,
          'POST',
          `/__sim/accounts/${encodeURIComponent(WEBKASSA_SIM_DEMO.login)}/expire-token`,
        )),
      async advanceClock(ms) {
        await control(url, 'POST', '/__sim/clock', { advanceMs: ms })
        return async () => void (await control(url, 'POST', '/__sim/clock', { advanceMs: -ms }))
      },
      setFaults: undoFaults,
      setOfdReachable: async (cashbox, reachable) =>
        void (await control(url, 'PATCH', `/__sim/cashboxes/${cashbox}`, { ofdReachable: reachable })),
      commitThenDrop: async (n) => void (await control(url, 'POST', '/__sim/commit-then-drop', { next: n })),
      receipts: async () => {
        const answer = (await control(url, 'GET', '/__sim/receipts')) as {
          receipts: { total: number; byExternalNumber: Record<string, { receipts: number; attempts: number }> }
          authorize: { total: number }
        }
        return { ...answer.receipts, authorize: answer.authorize }
      },
      failover: () => ({ primaryHost, alternativeHost, client: failoverClient }),
      impatientClient: (timeoutMs) => client({ timeoutMs }),
    },
    async close() {
      for (const made of clients) await made.close()
      alternative.closeAllConnections()
      await new Promise<void>((resolve) => alternative.close(() => resolve()))
      await sim.close()
    },
  }
})

// The simulator's in-process front end: the same state machine without a port (no control: its cases are skipped).
webkassaContract('the simulator in process', async (): Promise<WebkassaContractSubject> => {
  const sim = createWebkassaSim()
  for (const uniqueNumber of WEBKASSA_SIM_DEMO.cashboxes) sim.cashboxes.add({ uniqueNumber })
  sim.accounts.add({
    login: WEBKASSA_SIM_DEMO.login,
    password: WEBKASSA_SIM_DEMO.password,
    cashboxes: WEBKASSA_SIM_DEMO.cashboxes,
  })
  let externals = 0
  return {
    client: createInProcessWebkassaClient(sim),
    login: WEBKASSA_SIM_DEMO.login,
    password: WEBKASSA_SIM_DEMO.password,
    cashbox: WEBKASSA_SIM_DEMO.cashboxes[0],
    externalNumber: () => `in-process-${++externals}`,
  }
})

/** Webkassa's test environment (devkkm.webkassa.kz), only when its credentials are in the environment. */
const REAL = [
  'WEBKASSA_TEST_URL',
  'WEBKASSA_TEST_API_KEY',
  'WEBKASSA_TEST_LOGIN',
  'WEBKASSA_TEST_PASSWORD',
  'WEBKASSA_TEST_CASHBOX',
]
const missing = REAL.filter((name) => !process.env[name])
if (missing.length > 0) {
  const reason = `Webkassa test environment not configured (set ${missing.join(', ')})`
  process.stdout.write(`# skipping the real-environment contract: ${reason}\n`)
  test('Webkassa v4 contract — Webkassa test environment', { skip: reason }, () => {})
} else {
  webkassaContract('Webkassa test environment', async (): Promise<WebkassaContractSubject> => {
    const client = createWebkassaClient({
      baseUrl: process.env.WEBKASSA_TEST_URL!,
      apiKey: process.env.WEBKASSA_TEST_API_KEY!,
      timeoutMs: 30_000,
    })
    // Unique across runs: the test environment remembers every external number it has seen.
    const run = `kc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    let n = 0
    return {
      client,
      login: process.env.WEBKASSA_TEST_LOGIN!,
      password: process.env.WEBKASSA_TEST_PASSWORD!,
      cashbox: process.env.WEBKASSA_TEST_CASHBOX!,
      externalNumber: () => `${run}-${++n}`,
      close: () => client.close(),
    }
  })
}
