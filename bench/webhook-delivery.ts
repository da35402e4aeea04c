/**
 * Webhook deliveries per second through core webhooks next to plain undici POSTs of the same body to the same
 * receiver at the same concurrency, same run. Target ratio ≥ 0.5 (issue 10).
 *
 *   npm run bench -- webhook-delivery [--messages 20000] [--seconds 10] [--concurrency 16] [--runs 3]
 *
 * The path measured is core's, driven directly (the payments service hands its events to it the same way):
 * `createWebhookEndpoint` for the receiver, `enqueueWebhook` of `--messages` messages into a fresh PostgreSQL bench
 * database (not timed) in the form the payments service writes them (the seed's `paid` payload as the exact body,
 * X-Webhook-* headers and hex signature), then the core worker with `createWebhookDeliveryJob` (`--concurrency` jobs
 * at a time, batches of sixteen times that, as the payments service's worker with its default
 * PAYMENTS_WEBHOOK_CONCURRENCY=16) started and timed until every message is delivered — each delivery reads
 * its message and endpoint, signs (Standard Webhooks headers), POSTs, logs the attempt and settles its job.
 * The reference: `--concurrency` closed loops of undici POSTs of the very bytes of one message's body to the same
 * receiver for `--seconds`, without signing or database. The receiver (bench/reference/receiver.ts) is a minimal
 * node:http server answering 200, its own process. Each phase also shows the CPU µs per request of the bench process
 * (the worker or the undici loops) and of the receiver, and the delivery phase the CPU µs per delivery of the
 * PostgreSQL backends serving the bench database.
 *
 * `--profile DIR` writes a V8 CPU profile of the bench process during each run's delivery phase only (not the
 * enqueueing, not the reference): `npx node bench/lib/profile-summary.ts DIR/deliveries-<run>.cpuprofile`.
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  clearJobs,
  coreMigrationsDir,
  createWebhookDeliveryJob,
  createWebhookEndpoint,
  createWorker,
  type Database,
  enqueueWebhook,
  getWebhookMessage,
  openDatabase,
  purgeDeliveredWebhooks,
  systemClock,
  WEBHOOK_DELIVERY_JOB,
} from '@kokdala/core'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { cpuMicros } from './lib/cpu.ts'
import { runLoad } from './lib/load.ts'
import { freshBenchDatabase, ratio } from './lib/payments.ts'
import { startScript } from './lib/services.ts'
import { round2 } from './lib/stats.ts'

const { options } = parseArgs(process.argv.slice(2))
const messages = intOption(options, 'messages', 20_000)
const seconds = intOption(options, 'seconds', 10)
const concurrency = intOption(options, 'concurrency', 16)
const runCount = intOption(options, 'runs', 3)
/** Deliveries not finished by then end the run (reported, and the run fails). */
const maxSeconds = intOption(options, 'max-seconds', 120)
const profileDir = typeof options.profile === 'string' ? options.profile : undefined
const receiverPort = '18092'

/** The seed's `paid` webhook payload (its own example); `timestamp` is added per message, as the service does. */
const seedPayload = {
  event: 'paid',
  transaction_id: 'A3F5D9E2B1C8',
  amount: 57_000,
  original_amount: 50_000,
  paid_amount: 57_000,
  actual_amount_received: 57_000,
  remaining_amount: 0,
  currency: 'KZT',
  status: 'paid',
  description: 'Оплата тура в Дубай #12345',
  created_at: '2026-01-13 14:30:00',
  paid_at: '2026-01-13 14:35:00',
  metadata: { order_id: '12345', tour_name: 'Дубай 7 дней', customer_id: 'CU-456' },
}

const url = await freshBenchDatabase('kokdala_bench_webhooks')
const db = await openDatabase({ url, poolSize: concurrency + 4, migrationsDir: coreMigrationsDir })
const receiver = await startScript(
  fileURLToPath(new URL('reference/receiver.ts', import.meta.url)),
  { PORT: receiverPort },
  `http://127.0.0.1:${receiverPort}`,
)
const receiverPid = receiver.process.pid!
const receivedSoFar = async () => ((await (await fetch(receiver.url)).json()) as { received: number }).received
const benchCpu = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}
const perRequest = (micros: number, requests: number) => round2(micros / Math.max(1, requests))

/**
 * CPU µs used so far by each PostgreSQL backend serving the bench database (by pid; PostgreSQL on this machine).
 * A backend started meanwhile counts whole. The WAL writer and the checkpointer serve other databases too and are
 * not counted: a lower bound of what a delivery costs the server.
 */
async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  )
  const cpu = new Map<number, number>()
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuMicros(pid))
    } catch {} // another host's server, or a backend gone meanwhile
  }
  return cpu
}
const backendCpuSince = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, micros]) => sum + micros - (before.get(pid) ?? 0), 0)

const endpoint = await db.transaction((tx) =>
  createWebhookEndpoint(tx, { url: `${receiver.url}/webhooks/payment`, allowPrivateNetworks: true }),
)

/**
 * The database with its round trips counted (statements, plus BEGIN and COMMIT of each transaction) and its
 * transactions (a statement outside one is a transaction of its own): what a delivery costs PostgreSQL.
 */
function counted(inner: Database) {
  const counter = { roundTrips: 0, transactions: 0 }
  const database: Database = Object.assign(Object.create(inner) as Database, {
    query: ((sql: string, params?: unknown[]) => {
      counter.roundTrips++
      counter.transactions++
      return inner.query(sql, params)
    }) as Database['query'],
    transaction: (<T>(fn: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<T>) => {
      counter.roundTrips += 2
      counter.transactions++
      return inner.transaction((tx) =>
        fn({
          exec: (sql) => tx.exec(sql),
          query: ((sql: string, params?: unknown[]) => {
            counter.roundTrips++
            return tx.query(sql, params)
          }) as Database['query'],
        }),
      )
    }) as Database['transaction'],
  })
  return { database, counter }
}

let sequence = 0

/** Writes `count` messages for the receiver, 500 to a transaction, four transactions at a time. */
async function enqueueMessages(count: number): Promise<{ firstId: number; lastId: number }> {
  const chunks = Array.from({ length: Math.ceil(count / 500) }, (_, i) => Math.min(500, count - i * 500))
  const ids: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < chunks.length) {
        const size = chunks[next++]
        await db.transaction(async (tx) => {
          for (let i = 0; i < size; i++) {
            const n = sequence++
            // As services/payments/src/modules/webhooks/events.ts writes a payment's event: the seed's payload as
            // the exact body, its X-Webhook-* headers and hex body signature, a de-duplication key and a subject.
            const { id } = await enqueueWebhook(tx, {
              endpointId: endpoint.id,
              eventType: 'paid',
              body: ({ timestamp }) => JSON.stringify({ ...seedPayload, timestamp }),
              headers: { 'X-Webhook-Event': 'paid', 'User-Agent': 'ByFly-Payment-Center/1.0' },
              timestampHeader: 'X-Webhook-Timestamp',
              bodySignature: { header: 'X-Webhook-Signature', secret: 'your_secret_key_for_hmac' },
              dedupeKey: `bench:${n}`,
              subject: `payment:BENCH${String(n).padStart(7, '0')}`,
            })
            ids.push(id)
          }
        })
      }
    }),
  )
  return { firstId: Math.min(...ids), lastId: Math.max(...ids) }
}

/** The reference: plain undici POSTs of `body` to the receiver for `seconds`. */
async function plainPosts(body: string) {
  const parsed = JSON.parse(body)
  // runLoad sends JSON.stringify(body): the same bytes as the message's, checked here.
  if (JSON.stringify(parsed) !== body) throw new Error('the message body does not round-trip through JSON')
  const cpuBefore = benchCpu()
  const receiverBefore = cpuMicros(receiverPid)
  const result = await runLoad({
    url: receiver.url,
    concurrency,
    durationMs: seconds * 1000,
    request: () => ({ method: 'POST', path: '/webhooks/payment', body: parsed }),
  })
  return {
    ...result,
    benchCpuUsPerRequest: perRequest(benchCpu() - cpuBefore, result.requests),
    receiverCpuUsPerRequest: perRequest(cpuMicros(receiverPid) - receiverBefore, result.requests),
  }
}

/** Profiles what `phase` does in this process, into `profileDir` as `name`.cpuprofile (just runs it without one). */
async function profiled<T>(name: string, phase: () => Promise<T>): Promise<T> {
  if (!profileDir) return phase()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await phase()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    await writeFile(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}

/** Enqueues `messages` messages, then runs the core worker until all are delivered (or `maxSeconds` passed). */
async function deliveries(run: number) {
  const enqueueStarted = performance.now()
  const { firstId, lastId } = await enqueueMessages(messages)
  const enqueueSeconds = round2((performance.now() - enqueueStarted) / 1000)
  process.stderr.write(`  enqueued ${messages} messages in ${enqueueSeconds} s\n`)
  const { database, counter } = counted(db)
  const job = createWebhookDeliveryJob({ db: database, clock: systemClock })
  let finished = 0
  let allDone: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    allDone = resolve
  })
  const worker = createWorker({
    db: database,
    clock: systemClock,
    concurrency,
    batchSize: concurrency * 16,
    // The poll interval only delays the first claim: full batches are claimed again at once.
    pollIntervalMs: 20,
    handlers: {
      [WEBHOOK_DELIVERY_JOB]: {
        ...job,
        run: async (j, run) => {
          await job.run(j, run)
          if (++finished === messages) allDone()
        },
      },
    },
    onError: (_job, error) => process.stderr.write(`  delivery failed: ${String(error)}\n`),
  })
  const receivedBefore = await receivedSoFar()
  const pgBefore = await backendCpu()
  const cpuBefore = benchCpu()
  const receiverBefore = cpuMicros(receiverPid)
  const started = performance.now()
  await profiled(`deliveries-${run}`, async () => {
    await worker.start()
    const timeout = setTimeout(allDone, maxSeconds * 1000)
    await done
    clearTimeout(timeout)
    // Stopping waits for the jobs in hand: they are settled (done) when this returns.
    await worker.stop()
  })
  const elapsed = (performance.now() - started) / 1000
  const cpu = benchCpu() - cpuBefore
  const receiverCpu = cpuMicros(receiverPid) - receiverBefore
  const pgCpu = backendCpuSince(pgBefore, await backendCpu())
  const received = (await receivedSoFar()) - receivedBefore
  const { rows } = await db.query<{ status: string; count: number }>(
    'SELECT status, count(*)::int AS count FROM webhook_message WHERE id BETWEEN $1 AND $2 GROUP BY status',
    [firstId, lastId],
  )
  const statuses = Object.fromEntries(rows.map((r) => [r.status, r.count]))
  const delivered = statuses.delivered ?? 0
  return {
    messages,
    enqueueSeconds,
    seconds: round2(elapsed),
    delivered,
    statuses,
    received,
    rps: Math.round(delivered / elapsed),
    roundTripsPerDelivery: round2(counter.roundTrips / Math.max(1, delivered)),
    transactionsPerDelivery: round2(counter.transactions / Math.max(1, delivered)),
    benchCpuUsPerRequest: perRequest(cpu, delivered),
    receiverCpuUsPerRequest: perRequest(receiverCpu, delivered),
    pgBackendCpuUsPerDelivery: perRequest(pgCpu, delivered),
  }
}

const runs = []
try {
  // One message's stored body: the reference sends exactly these bytes.
  const sample = await enqueueMessages(1)
  const body = (await getWebhookMessage(db, sample.firstId))!.body
  process.stderr.write(`body (${Buffer.byteLength(body)} bytes): ${body}\n`)
  // Warm-up: the sample delivered once through the worker, then a phase of plain POSTs.
  const warmUp = createWorker({
    db,
    clock: systemClock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock: systemClock }) },
  })
  if ((await warmUp.runDue()) !== 1) throw new Error('the sample message was not delivered')
  await plainPosts(body)
  for (let run = 1; run <= runCount; run++) {
    // Each run starts from an empty outbox: the previous run's delivered messages and finished jobs are removed.
    await db.transaction((tx) => clearJobs(tx, { kinds: [WEBHOOK_DELIVERY_JOB] }))
    await purgeDeliveredWebhooks(db, new Date(Date.now() + 60_000))
    const reference = await plainPosts(body)
    process.stderr.write(`run ${run} plain undici POSTs: ${JSON.stringify(reference)}\n`)
    const delivery = await deliveries(run)
    process.stderr.write(`run ${run} webhook deliveries: ${JSON.stringify(delivery)}\n`)
    runs.push({
      reference,
      deliveries: delivery,
      ratio: ratio(delivery.rps, reference.rps),
      cpuRatio: ratio(reference.benchCpuUsPerRequest, delivery.benchCpuUsPerRequest),
    })
  }
} finally {
  await db.close()
  await receiver.stop()
}

const pass = runs.every(
  (r) =>
    r.ratio >= 0.5 &&
    r.deliveries.delivered === messages &&
    r.deliveries.received === messages &&
    r.reference.statuses['200'] === r.reference.requests,
)
process.stdout.write(
  `${JSON.stringify({ bench: 'webhook-delivery', path: 'core', messages, seconds, concurrency, runs, pass })}\n`,
)
if (!pass) process.exitCode = 1
