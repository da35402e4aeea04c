import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fetchJson } from '@kokdala/core/testing'
import { type StartedWebkassaSimulator, startWebkassaSimulator, WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'
import { type StartedFiscal, startFiscal } from './harness.ts'
import { TOKEN_KEYS } from './secrets.ts'

/**
 * The tokens module over the real HTTP client against the Webkassa simulator (a newer login invalidates older
 * tokens there), two app instances on one database.
 */
let sim: StartedWebkassaSimulator
let a: StartedFiscal
let b: StartedFiscal
before(async () => {
  sim = await startWebkassaSimulator()
  const env = {
    FISCAL_WEBKASSA_URL: sim.url,
    FISCAL_WEBKASSA_API_KEY: WEBKASSA_SIM_DEMO.apiKey,
    FISCAL_WEBKASSA_LOGIN: WEBKASSA_SIM_DEMO.login,
    FISCAL_WEBKASSA_PASSWORD: WEBKASSA_SIM_DEMO.password,
    FISCAL_TOKEN_KEYS: TOKEN_KEYS.k1,
  }
  a = await startFiscal(env)
  b = await startFiscal(env, { db: a.db })
})
after(async () => {
  await b?.close()
  await a?.close()
  await sim?.close()
})

const logins = async () => {
  const { json } = await fetchJson(sim.url, 'GET', '/__sim/accounts')
  return (json as { accounts: { authorizeCalls: number }[] }).accounts[0]?.authorizeCalls
}
const cashboxes = (app: StartedFiscal) =>
  app.services.tokens.session.withToken((token) =>
    (app.services.webkassa as NonNullable<typeof app.services.webkassa>).cashboxes(token),
  )

test('against the simulator: 20 calls over two instances log in once, and once more after the token expires', async () => {
  const first = await Promise.all(Array.from({ length: 20 }, (_, i) => cashboxes(i % 2 ? a : b)))
  assert.ok(first.every((result) => result.kind === 'ok'))
  assert.equal(await logins(), 1)
  await fetchJson(sim.url, 'POST', `/__sim/accounts/${encodeURIComponent(WEBKASSA_SIM_DEMO.login)}/expire-token`, {})
  const second = await Promise.all(Array.from({ length: 20 }, (_, i) => cashboxes(i % 2 ? a : b)))
  assert.ok(second.every((result) => result.kind === 'ok'))
  assert.equal(await logins(), 2)
})

test('against the simulator: an operator refresh replaces the token and the other instance follows without a login', async () => {
  const before = await logins()
  const outcome = await b.services.tokens.tokens.refreshNow('manual')
  assert.equal(outcome.kind, 'token')
  const results = await Promise.all(Array.from({ length: 10 }, () => cashboxes(a)))
  assert.ok(results.every((result) => result.kind === 'ok'))
  assert.equal(await logins(), (before as number) + 1)
})
