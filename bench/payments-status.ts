/**
 * `GET /api/payment/{id}/status` of pending payments, many different ids, against the bare Fastify hello-world route
 * of the events-list benchmark (bench/reference/hello.ts), same load tool (autocannon), same run. Target ratio ≥ 0.6
 * in every run (issue 10).
 *
 *   npm run bench -- payments-status [--seconds 15] [--runs 3] [--connections 100] [--payments 10000]
 *                                    [--checkout /path/to/another/checkout]
 *
 * The payments service runs as one process (`kokdala serve payments`) on a fresh PostgreSQL database,
 * `kokdala_bench_payments`. `--payments` pending payments are created first through `POST /api/payment/init` with a
 * source token made through the admin endpoint `POST /api/admin/sources/tokens`; the measured requests then walk
 * their ids in turn, so each id is asked for once every `--payments` requests (a cache must hold them all). A
 * pending payment is never sent to a terminal: this is the path of the seed's integrators polling for a status.
 * Both sides build each request with autocannon's `setupRequest` (the reference's path never changes), so the load
 * tool does the same work for both. CPU µs per request of each process is printed beside its rate, and the statements
 * per status the service sent to its database during the measured runs (pg_stat_database.xact_commit: every read is
 * a statement of its own; read 11 s after the warm-up, when idle connections have flushed their statistics, and
 * after the service stopped). With the status cache, a status answered from memory sends none.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { cpuMicros } from './lib/cpu.ts'
import {
  committed,
  createSourceToken,
  freshBenchDatabase,
  paymentsServiceEnv,
  ratio,
  seedInitBody,
  thisCheckout,
} from './lib/payments.ts'
import { startScript, startServed } from './lib/services.ts'

const { options } = parseArgs(process.argv.slice(2))
const seconds = intOption(options, 'seconds', 15)
const runCount = intOption(options, 'runs', 3)
const connections = intOption(options, 'connections', 100)
const paymentCount = intOption(options, 'payments', 10_000)
const checkout = typeof options.checkout === 'string' ? resolve(options.checkout) : thisCheckout
const port = '18081'
const helloPort = '18190'

interface Target {
  url: string
  pid: number
  /** The path of request i. */
  path: (i: number) => string
}

/** One measured phase: autocannon for `duration` seconds, the target's rate, latency and CPU per request. */
async function measureTarget(target: Target, duration = seconds) {
  let i = 0
  const cpuBefore = cpuMicros(target.pid)
  const result = await autocannon({
    url: target.url,
    connections,
    duration,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: target.path(i++) }) }],
  })
  const cpu = cpuMicros(target.pid) - cpuBefore
  return {
    rps: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    cpuUsPerRequest: Math.round((cpu / Math.max(1, result.requests.total)) * 10) / 10,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    // Answers by status code: what the non-2xx were (a limit, load shedding) shows here.
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0])),
  }
}

/** Creates `count` pending payments through `init`, 16 at a time; returns their transaction ids. */
async function createPayments(url: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++
        const response = await fetch(`${url}/api/payment/init`, {
          method: 'POST',
          headers: { 'x-api-token': token, 'content-type': 'application/json' },
          body: JSON.stringify(seedInitBody(i)),
        })
        const text = await response.text()
        if (response.status !== 201) throw new Error(`init answered ${response.status}: ${text}`)
        ids.push((JSON.parse(text) as { data: { transaction_id: string } }).data.transaction_id)
      }
    }),
  )
  return ids
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const env = { ...paymentsServiceEnv(), DATABASE_URL: await freshBenchDatabase('kokdala_bench_payments') }
let committedBefore = 0
let statusesSent = 0
const hello = await startScript(
  fileURLToPath(new URL('reference/hello.ts', import.meta.url)),
  { PORT: helloPort },
  `http://127.0.0.1:${helloPort}`,
)
const service = await startServed('payments', 'PAYMENTS_PORT', port, env, { checkout })
const runs = []
try {
  const token = await createSourceToken(service.url, 'bench')
  const started = performance.now()
  const ids = await createPayments(service.url, token, paymentCount)
  process.stderr.write(`${ids.length} pending payments created in ${Math.round(performance.now() - started)} ms\n`)
  const sample = await fetch(`${service.url}/api/payment/${ids[0]}/status`)
  const sampleText = await sample.text()
  if (sample.status !== 200) throw new Error(`status answered ${sample.status}: ${sampleText}`)
  process.stderr.write(`a status: ${sampleText}\n`)

  const paths = ids.map((id) => `/api/payment/${id}/status`)
  const targets = {
    reference: { url: hello.url, pid: hello.process.pid!, path: () => '/' },
    status: { url: service.url, pid: service.process.pid!, path: (i: number) => paths[i % paths.length] },
  }
  for (const target of Object.values(targets)) await measureTarget(target, 3) // warm-up
  // PostgreSQL 15 writes an idle connection's statistics within 10 s.
  await pause(11_000)
  committedBefore = await committed(env.DATABASE_URL)
  for (let run = 1; run <= runCount; run++) {
    const reference = await measureTarget(targets.reference)
    const status = await measureTarget(targets.status)
    statusesSent += status.requests
    const result = {
      reference,
      status,
      ratio: ratio(status.rps, reference.rps),
      // Read like the rate ratio: the reference's µs per request over the service's.
      cpuRatio: ratio(reference.cpuUsPerRequest, status.cpuUsPerRequest),
    }
    process.stderr.write(`run ${run}: ${JSON.stringify(result)}\n`)
    runs.push(result)
  }
} finally {
  await Promise.all([service.stop(), hello.stop()])
}
// A backend writes its statistics when it exits, a moment after its connection closed.
await pause(1000)
const statementsPerStatus =
  Math.round((((await committed(env.DATABASE_URL)) - committedBefore) / Math.max(1, statusesSent)) * 1000) / 1000
process.stderr.write(`database statements per status (measured runs): ${statementsPerStatus}\n`)

const clean = (r: { non2xx: number; errors: number }) => r.non2xx === 0 && r.errors === 0
const pass = runs.length === runCount && runs.every((r) => r.ratio >= 0.6 && clean(r.status) && clean(r.reference))
process.stdout.write(
  `${JSON.stringify({ bench: 'payments-status', checkout, seconds, connections, payments: paymentCount, runs, statementsPerStatus, pass })}\n`,
)
if (!pass) process.exitCode = 1
