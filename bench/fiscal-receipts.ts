/**
 * Fiscal receipts per second against the physical limit of sequential cashboxes (issue 11, "must be true,
 * measured"): 10 cashboxes at the Webkassa simulator, each operation holding its cashbox for 50 ms, so at most
 * 10 / 0.05 s = 200 receipts/s. Target ratio ≥ 0.8.
 *
 *   npm run bench -- fiscal-receipts [--receipts 4000] [--rate 200] [--cashboxes 10] [--latency-ms 50]
 *                                    [--concurrency 32] [--timeout-seconds 120]
 *
 * The Webkassa simulator (`kokdala serve webkassa`, WEBKASSA_SIM_CASHBOX_LATENCY_MS) and the fiscal service
 * (`kokdala serve fiscal`, one process) run as their own processes; fiscal on a fresh PostgreSQL database,
 * `kokdala_bench_fiscal`. `--receipts` sale receipts are created through `POST /api/receipts` (admin token) at an
 * offered rate of `--rate` a second (default: the physical limit, as payments arrive in a busy hour; request i leaves
 * at i / rate s, at most `--concurrency` in flight), or with `--rate 0` in one burst, as fast as `--concurrency`
 * callers can (the API then takes the CPU the queues need, see bench/RESULTS.md §10); the clock runs from the first
 * request until the last receipt is fiscalized. The
 * database is sampled every 250 ms for the queue depth (receipts not yet fiscalized). The p50/p99 time from request
 * to fiscalized is each receipt's `fiscalized_at` less the moment its request left (one machine, one clock).
 * `ratio` (the target) is over the whole run, so it includes how fast the API takes receipts in; `drainRatio` is the
 * queues' own pace once the last request was answered, and `cycleMs` shows one cashbox's time between two
 * answers and how far ahead its next receipt stood ready.
 * Progress goes to stderr, one JSON line to stdout; exit 1 below the target or when the time bound is hit.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { cpuMicros } from './lib/cpu.ts'
import { freshBenchDatabase, ratio } from './lib/payments.ts'
import { startServed, startSimulator } from './lib/services.ts'
import { quantile } from './lib/stats.ts'

const { options } = parseArgs(process.argv.slice(2))
const receiptCount = intOption(options, 'receipts', 4_000)
const cashboxCount = intOption(options, 'cashboxes', 10)
const latencyMs = intOption(options, 'latency-ms', 50)
/** Offered receipts a second; 0: one burst. */
const offeredRate = intOption(options, 'rate', (cashboxCount * 1000) / latencyMs)
const concurrency = intOption(options, 'concurrency', 32)
const timeoutSeconds = intOption(options, 'timeout-seconds', 120)
const simPort = '19004'
const fiscalPort = '18082'
const limitPerSecond = (cashboxCount * 1000) / latencyMs

const adminToken = randomBytes(32).toString('base64url')
const cashboxes = Array.from({ length: cashboxCount }, (_, i) => `SWKB${String(i + 1).padStart(7, '0')}`)
const demo = { apiKey: 'bench-integrator-key', login: 'bench@kokdala.kz', password: 'bench-password' }
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Creates the receipts through the API, request i not before `started + i / offeredRate` s (any time with rate 0),
 * `concurrency` at most in flight; returns when each request left, by receipt id.
 */
async function createReceipts(url: string, started: number, deadline: number): Promise<Map<number, number>> {
  const sentAt = new Map<number, number>()
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < receiptCount && Date.now() < deadline) {
        const i = next++
        if (offeredRate > 0) await pause(started + (i * 1000) / offeredRate - Date.now())
        const leftAt = Date.now()
        const response = await fetch(`${url}/api/receipts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            external_id: `bench-${i}`,
            positions: [{ name: 'Билет', count: 1, price: 1_000 + (i % 500) }],
            payments: [{ type: 'mobile', sum: 1_000 + (i % 500) }],
          }),
        })
        const text = await response.text()
        if (response.status !== 201) throw new Error(`POST /api/receipts answered ${response.status}: ${text}`)
        sentAt.set((JSON.parse(text) as { id: number }).id, leftAt)
      }
    }),
  )
  return sentAt
}

const databaseUrl = await freshBenchDatabase('kokdala_bench_fiscal')
const sim = await startSimulator('webkassa', 'WEBKASSA_SIM_PORT', simPort, {
  WEBKASSA_SIM_CASHBOXES: cashboxes.join(','),
  WEBKASSA_SIM_CASHBOX_LATENCY_MS: String(latencyMs),
  WEBKASSA_SIM_API_KEYS: demo.apiKey,
  WEBKASSA_SIM_LOGIN: demo.login,
  WEBKASSA_SIM_PASSWORD: demo.password,
})
const fiscal = await startServed('fiscal', 'FISCAL_PORT', fiscalPort, {
  DATABASE_URL: databaseUrl,
  FISCAL_ADMIN_TOKEN: adminToken,
  FISCAL_WEBKASSA_URL: sim.url,
  FISCAL_WEBKASSA_API_KEY: demo.apiKey,
  FISCAL_WEBKASSA_LOGIN: demo.login,
  FISCAL_WEBKASSA_PASSWORD: demo.password,
  FISCAL_TOKEN_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  FISCAL_CASHBOXES: cashboxes.join(','),
})
const db = new pg.Client({ connectionString: databaseUrl })
await db.connect()

let result: Record<string, unknown> = {}
let pass = false
try {
  const deadline = Date.now() + timeoutSeconds * 1000
  const depth: { ms: number; waiting: number; fiscalized: number }[] = []
  const started = Date.now()
  const cpuBefore = { fiscal: cpuMicros(fiscal.process.pid!), sim: cpuMicros(sim.process.pid!) }
  let creating = true
  const sample = async () => {
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE status = 'fiscalized')::int AS fiscalized,
              count(*) FILTER (WHERE status IN ('pending', 'sending', 'recovering'))::int AS waiting,
              count(*) FILTER (WHERE status IN ('failed', 'needs_attention'))::int AS stuck
         FROM fiscal_receipt`,
    )
    return rows[0] as { fiscalized: number; waiting: number; stuck: number }
  }
  let createdAt = Number.NaN
  const creation = createReceipts(fiscal.url, started, deadline).finally(() => {
    creating = false
    createdAt = Date.now()
  })
  let last = { fiscalized: 0, waiting: 0, stuck: 0 }
  let lastPrint = 0
  while (Date.now() < deadline) {
    last = await sample()
    const ms = Date.now() - started
    depth.push({ ms, waiting: last.waiting, fiscalized: last.fiscalized })
    if (ms - lastPrint >= 1000) {
      lastPrint = ms
      process.stderr.write(`${(ms / 1000).toFixed(1)} s: ${last.fiscalized} fiscalized, ${last.waiting} waiting\n`)
    }
    if (!creating && last.fiscalized + last.stuck >= receiptCount) break
    await pause(250)
  }
  const sentAt = await creation
  const cpuSeconds = {
    fiscal: (cpuMicros(fiscal.process.pid!) - cpuBefore.fiscal) / 1e6,
    sim: (cpuMicros(sim.process.pid!) - cpuBefore.sim) / 1e6,
  }
  const { rows } = await db.query(
    `SELECT id::int AS id, status, (extract(epoch FROM fiscalized_at) * 1000)::float8 AS at FROM fiscal_receipt`,
  )
  const done = rows.filter((r) => r.status === 'fiscalized')
  // The queues' own pace: receipts fiscalized after the last request was answered, over the time that took.
  const drained = done.filter((r) => (r.at as number) > createdAt).length
  const finishedAt = Math.max(...done.map((r) => r.at as number))
  const drainPerSecond = Math.round((drained / Math.max(0.001, (finishedAt - createdAt) / 1000)) * 10) / 10
  const seconds = (finishedAt - started) / 1000
  const perSecond = Math.round((done.length / seconds) * 10) / 10
  const times = done.map((r) => (r.at as number) - (sentAt.get(r.id as number) ?? started)).sort((a, b) => a - b)
  // One cashbox's cycle, averaged: from one answer of Webkassa's to the next on the same cashbox (its 50 ms hold
  // and what lies between two calls), how long before its predecessor's answer the next receipt was leased and
  // marked `sending` (the queue is pipelined: positive means it stood ready), and how long after its answer a
  // receipt's job settled (behind the next send).
  const { rows: cycle } = await db.query(
    `WITH r AS (
       SELECT fa.started_at AS marked, fa.finished_at AS answered, ja.finished_at AS settled,
              lag(fa.finished_at) OVER (PARTITION BY fr.cashbox ORDER BY fa.finished_at) AS previous
         FROM fiscal_receipt fr
         JOIN job j ON j.kind = 'fiscal.receipt' AND (j.payload->>'receiptId')::bigint = fr.id
         JOIN job_attempt ja ON ja.job_id = j.id
         JOIN fiscal_receipt_attempt fa ON fa.receipt_id = fr.id
     )
     SELECT round(avg(extract(epoch FROM answered - previous)) * 1000, 1)::float8 AS "answerToAnswer",
            round(avg(extract(epoch FROM previous - marked)) * 1000, 1)::float8 AS "markedAhead",
            round(avg(extract(epoch FROM settled - answered)) * 1000, 1)::float8 AS "answeredToSettled"
       FROM r`,
  )
  const inspection = (await (await fetch(`${sim.url}/__sim/receipts`)).json()) as {
    receipts: { total: number; byExternalNumber: Record<string, { receipts: number; attempts: number }> }
    authorize: { total: number }
  }
  const duplicated = Object.values(inspection.receipts.byExternalNumber).filter((c) => c.receipts > 1).length
  result = {
    receipts: receiptCount,
    fiscalized: done.length,
    notFiscalized: rows.length - done.length,
    atSimulator: inspection.receipts.total,
    duplicated,
    // Token calls: one login for the whole run (each call reads the stored token; none logs in again).
    logins: inspection.authorize.total,
    seconds: Math.round(seconds * 100) / 100,
    receiptsPerSecond: perSecond,
    limitPerSecond,
    ratio: ratio(perSecond, limitPerSecond),
    creationPerSecond: Math.round((sentAt.size / ((createdAt - started) / 1000)) * 10) / 10,
    drainPerSecond,
    drainRatio: ratio(drainPerSecond, limitPerSecond),
    cycleMs: cycle[0],
    maxQueueDepth: Math.max(0, ...depth.map((d) => d.waiting)),
    queueDepth: depth.filter((_, i) => i % 4 === 0).map((d) => [Math.round(d.ms / 100) / 10, d.waiting]),
    p50ms: Math.round(quantile(times, 0.5)),
    p99ms: Math.round(quantile(times, 0.99)),
    // Busy share of one core over the run: near 1 means the process itself is what limits the rate.
    cpuShare: {
      fiscal: Math.round((cpuSeconds.fiscal / seconds) * 100) / 100,
      simulator: Math.round((cpuSeconds.sim / seconds) * 100) / 100,
    },
    fiscalCpuMsPerReceipt: Math.round((cpuSeconds.fiscal * 1000 * 10) / Math.max(1, done.length)) / 10,
  }
  pass =
    done.length === receiptCount &&
    inspection.receipts.total === receiptCount &&
    duplicated === 0 &&
    (result.ratio as number) >= 0.8
} finally {
  await db.end()
  await Promise.all([fiscal.stop(), sim.stop()])
}
process.stdout.write(
  `${JSON.stringify({ bench: 'fiscal-receipts', cashboxes: cashboxCount, latencyMs, offeredRate, concurrency, ...result, pass })}\n`,
)
if (!pass) process.exitCode = 1
