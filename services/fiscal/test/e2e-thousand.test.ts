import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'

/**
 * Issue 11, must-be-true 2: payments paid through the payments service and its Kaspi simulator become exactly one
 * sale receipt each at the Webkassa simulator, through fiscal, with the token invalidated every 100 receipts, 5 %
 * of Webkassa's calls failing and receipts committed then dropped; every payment linked to its receipt; no secret in
 * any log line. The scenario (e2e-thousand-run.ts) runs in a child so that every line the services log is read.
 *
 * 1 000 payments on PostgreSQL (TEST_DATABASE_URL, as CI runs it: about 80 s on 2 cores). On PGlite every service's
 * database is one in-process connection, so payments, its terminal poller, the webhook worker and fiscal's queues
 * all wait on each other: about ten times slower. There it runs 100 (E2E_PAYMENTS overrides either).
 */
const ON_POSTGRES = Boolean(process.env.TEST_DATABASE_URL)
const COUNT = Number(process.env.E2E_PAYMENTS ?? (ON_POSTGRES ? 1000 : 100))
// Every 100 receipts as the issue says; with fewer payments more often, so that fiscal still has to log in again.
const INVALIDATE_EVERY = COUNT >= 400 ? 100 : 25
const RUNNER = fileURLToPath(new URL('e2e-thousand-run.ts', import.meta.url))

interface Receipt {
  external_number: string
  kind: string
  payment: string | null
  status: string
  total: string
  fiscal: { via: string | null } | null
  attempts: unknown[]
}

interface Result {
  count: number
  paid: { id: string; amount: number }[]
  receipts: Record<string, Receipt[]>
  sim: {
    receipts: { total: number; byExternalNumber: Record<string, { receipts: number; attempts: number }> }
    authorize: { total: number }
  }
  invalidations: number
  feed: Record<string, number>
  secrets: Record<string, string>
  ms: Record<string, number>
}

async function runScenario(): Promise<{ result: Result; logs: string }> {
  // Without the runner's marker the child is a program of its own, not a file of this run.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(process.execPath, [RUNNER], {
    env: { ...env, E2E_PAYMENTS: String(COUNT), E2E_INVALIDATE_EVERY: String(INVALIDATE_EVERY) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  assert.equal(code, 0, `the scenario failed:\n${output.slice(-4000)}`)
  const at = output.lastIndexOf('\nRESULT ')
  assert.ok(at >= 0, 'the scenario printed its result')
  const end = output.indexOf('\n', at + 1)
  const result = JSON.parse(output.slice(at + '\nRESULT '.length, end === -1 ? undefined : end)) as Result
  // The result line carries the run's secrets for the search below; it is not a log line.
  return { result, logs: output.slice(0, at) + (end === -1 ? '' : output.slice(end)) }
}

test(`${COUNT} payments paid through payments and Kaspi → exactly ${COUNT} sale receipts at Webkassa, each linked, despite token loss, 5 % errors and dropped answers; no secret logged`, async () => {
  if (!ON_POSTGRES && process.env.E2E_PAYMENTS === undefined) {
    console.log(
      `# PGlite: ${COUNT} payments, not 1 000 (one in-process connection per database makes it ~10× slower; 1 000 run on PostgreSQL); token invalidated every ${INVALIDATE_EVERY} receipts`,
    )
  }
  const { result, logs } = await runScenario()
  const all = Object.values(result.receipts).flat()
  console.log(
    `# ${result.count} payments: paid in ${result.ms.payments} ms, last receipt ${result.ms.receipts} ms later; ` +
      `${result.invalidations} token invalidations, ${result.sim.authorize.total} logins, ` +
      `${all.filter((r) => r.attempts.length > 1).length} receipts retried, ` +
      `${all.filter((r) => r.fiscal?.via === 'recovery').length} recovered by lookup`,
  )

  // Every payment paid, each its own.
  assert.equal(result.paid.length, COUNT)
  assert.equal(new Set(result.paid.map((p) => p.id)).size, COUNT)

  // At the simulator: one sale receipt per payment, none twice, nothing else.
  const atSim = result.sim.receipts.byExternalNumber
  const numbers = Object.keys(atSim)
  // Any receipt beyond the one expected per payment is named with what fiscal holds for its payment.
  const expected = new Set(result.paid.map((p) => `s-${p.id}-1`))
  const extra = numbers.filter((n) => !expected.has(n) || atSim[n].receipts !== 1)
  const extraPayments = new Set(extra.map((n) => n.split('-')[1]))
  assert.equal(
    result.sim.receipts.total,
    COUNT,
    `receipts held by the simulator; beyond one per payment: ${JSON.stringify(extra.map((n) => [n, atSim[n]]))}; ` +
      `fiscal holds for those payments: ${JSON.stringify([...extraPayments].map((id) => result.receipts[id ?? '']))}`,
  )
  assert.equal(numbers.length, COUNT)
  assert.deepEqual(
    numbers.filter((n) => atSim[n].receipts !== 1),
    [],
    'an external number fiscalized more than once',
  )
  assert.deepEqual(
    numbers.filter((n) => !n.startsWith('s-')),
    [],
    'only sale receipts',
  )

  // Every payment linked to its one receipt, fiscalized for the amount paid, and held by the simulator.
  for (const { id, amount } of result.paid) {
    const receipts = result.receipts[id]
    assert.equal(receipts.length, 1, `${id}: ${JSON.stringify(receipts)}`)
    const [receipt] = receipts
    assert.equal(receipt.payment, id)
    assert.equal(receipt.kind, 'sale')
    assert.equal(receipt.status, 'fiscalized', `${id}: ${JSON.stringify(receipt)}`)
    assert.equal(receipt.external_number, `s-${id}-1`)
    assert.equal(receipt.total, `${amount}.00`)
    assert.equal(atSim[receipt.external_number]?.receipts, 1, `${receipt.external_number} at the simulator`)
  }
  // Every fiscal feed message delivered (none pending, none dead).
  assert.deepEqual(result.feed, { delivered: COUNT })

  // The faults happened: the token was invalidated every 100 receipts and fiscal logged in again; calls failed
  // and were tried again; answers were lost and the receipts recovered by lookup, not issued again.
  assert.equal(result.invalidations, Math.floor(COUNT / INVALIDATE_EVERY), 'token invalidations')
  // The last invalidation may come after the last receipt: every other one made fiscal log in again.
  assert.ok(result.sim.authorize.total >= result.invalidations, `logins: ${result.sim.authorize.total}`)
  assert.ok(all.filter((r) => r.attempts.length > 1).length > 0, 'some receipts needed more than one round')
  assert.ok(all.filter((r) => r.fiscal?.via === 'recovery').length >= 3, 'the three dropped answers were recovered')

  // The logs were captured (both services log each request) and hold no secret.
  assert.match(logs, /"url":"\/api\/payment-events"/)
  assert.match(logs, /"url":"\/api\/payment\/init"/)
  assert.match(logs, /"msg":"webkassa token obtained"/)
  const secrets: Record<string, string> = {
    ...result.secrets,
    'feed secret key': result.secrets.FEED_SECRET.slice('whsec_'.length),
    'simulator password': WEBKASSA_SIM_DEMO.password,
    'simulator API key': WEBKASSA_SIM_DEMO.apiKey,
  }
  for (const [name, secret] of Object.entries(secrets)) {
    const at = logs.indexOf(secret)
    assert.equal(at, -1, `${name} appears in the logs: …${logs.slice(Math.max(0, at - 200), at + 50)}…`)
  }
  // Session tokens are 32 hex characters in Webkassa's `Token` field: none is logged.
  assert.doesNotMatch(logs, /"?[Tt]oken"?\s*[:=]\s*"?[0-9a-f]{32}/)
})
