/**
 * `GET /api/events?page=1&pageSize=20` against bare Fastify references, same machine, same load tool
 * (autocannon), all measured in turn in each run:
 * - a hello-world route: sustained requests/s ratio, target ≥ 0.6;
 * - a route sending the same cached bytes tickets serves for that URL (fetched from tickets once): what is left
 *   between them is the cost of `createApp` and of the route, target ≥ 0.85;
 * - not part of the criterion, the same bare route served from inside the tickets process
 *   (reference/in-process.ts): it splits that gap into what the process costs and what the request path costs.
 * Each side's CPU per request (µs, from /proc/<pid>/stat over the measured phase) is printed beside its rate: on a
 * shared machine the rates swing with the neighbours' load, CPU per request barely does. A run gives each target
 * `--seconds` of load in `--slices` slices that take turns (lib/interleave.ts): this VM's speed drifts by tens of
 * percent within a minute, and targets measured in turn over the same minute meet the same drift. Then p99 at
 * half the events rate (target < 20 ms). Tickets runs as one process on PostgreSQL. Where its extra CPU goes:
 * bench/EVENTS-LIST-COST.md (`--breakdown`).
 *
 *   npm run bench -- events-list [--seconds 15] [--slices 5] [--connections 100] [--runs 3]
 *   npm run bench -- events-list --breakdown [--rounds 40] [--batch 500]
 */
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { runBreakdown } from './lib/breakdown.ts'
import { benchDatabase, ensureSeeded } from './lib/database.ts'
import { type LoadTarget, loadOnce, measureInterleaved } from './lib/interleave.ts'
import { startScript, startTickets, waitForHealth } from './lib/services.ts'

const { options } = parseArgs(process.argv.slice(2))
const seconds = intOption(options, 'seconds', 15)
const connections = intOption(options, 'connections', 100)
const runCount = intOption(options, 'runs', 3)
const slices = intOption(options, 'slices', 5)
const sliceSeconds = Math.max(1, Math.round(seconds / slices))
const path = '/api/events?page=1&pageSize=20'

function measure(url: string, extra: Partial<autocannon.Options> = {}): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, ...extra })
}

/** One measured phase against a target: its rate, latency, and the CPU its process spent per request. */
async function measureTarget(target: LoadTarget, extra: Partial<autocannon.Options> = {}) {
  const { result, cpuMicros: cpu } = await loadOnce(target, { connections, duration: seconds, ...extra })
  return {
    rps: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    cpuUsPerRequest: Math.round((cpu / Math.max(1, result.requests.total)) * 10) / 10,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18080' }
await ensureSeeded(env, 5_000, 100_000)

if (options.breakdown !== undefined) {
  await runBreakdown({ env, path, rounds: intOption(options, 'rounds', 40), batch: intOption(options, 'batch', 500) })
} else {
  const script = (name: string) => fileURLToPath(new URL(`reference/${name}`, import.meta.url))
  const hello = await startScript(script('hello.ts'), { PORT: '18090' }, 'http://127.0.0.1:18090')
  const eventsUrl = `http://127.0.0.1:${env.TICKETS_PORT}${path}`
  // The in-process reference (reference/in-process.ts) serves tickets' bytes from inside the tickets process.
  const inProcessUrl = `http://127.0.0.1:18092${path}`
  const tickets = await startTickets({ ...env, SOURCE_URL: eventsUrl, IN_PROCESS_PORT: '18092' }, 1, undefined, [
    '--import',
    script('in-process.ts'),
  ])
  await waitForHealth('http://127.0.0.1:18092', tickets.process, path)
  const cached = await startScript(
    script('cached-bytes.ts'),
    { PORT: '18091', SOURCE_URL: eventsUrl },
    'http://127.0.0.1:18091',
    path,
  )
  const targets = {
    reference: { url: hello.url, pid: hello.process.pid! },
    cachedBytes: { url: `${cached.url}${path}`, pid: cached.process.pid! },
    events: { url: eventsUrl, pid: tickets.process.pid! },
    inProcess: { url: inProcessUrl, pid: tickets.process.pid! },
  }
  for (const target of Object.values(targets)) await measure(target.url, { duration: 3 }) // warm-up

  const runs = []
  for (let run = 1; run <= runCount; run++) {
    const { reference, cachedBytes, events, inProcess } = await measureInterleaved(targets, {
      slices,
      sliceSeconds,
      connections,
    })
    const result = {
      reference,
      cachedBytes,
      events,
      inProcess,
      ratio: ratio(events.rps, reference.rps),
      ratioToCachedBytes: ratio(events.rps, cachedBytes.rps),
      // CPU ratios read like the rate ratios: the reference's µs per request over the service's.
      cpuRatio: ratio(reference.cpuUsPerRequest, events.cpuUsPerRequest),
      cpuRatioToCachedBytes: ratio(cachedBytes.cpuUsPerRequest, events.cpuUsPerRequest),
      // Not part of the criterion: the split of the gap into the process (in-process ÷ cached bytes) and the
      // request path through createApp and the route (tickets ÷ in-process).
      inProcessRatioToCachedBytes: ratio(inProcess.rps, cachedBytes.rps),
      ratioToInProcess: ratio(events.rps, inProcess.rps),
    }
    process.stderr.write(`run ${run}: ${JSON.stringify(result)}\n`)
    runs.push(result)
  }

  const halfRate = Math.round(runs[runs.length - 1].events.rps / 2)
  // Few connections for the paced run: latency is then the service's, not a queue the load tool built.
  const paced = await measureTarget(targets.events, { overallRate: halfRate, connections: 10 })
  process.stderr.write(`tickets at half rate (${halfRate}/s): ${JSON.stringify(paced)}\n`)
  await Promise.all([tickets.stop(), cached.stop(), hello.stop()])

  const clean = (r: { non2xx: number }) => r.non2xx === 0
  const pass =
    runs.every((r) => r.ratio >= 0.6 && r.ratioToCachedBytes >= 0.85 && clean(r.events) && clean(r.cachedBytes)) &&
    paced.p99ms < 20 &&
    clean(paced)
  process.stdout.write(
    `${JSON.stringify({ bench: 'events-list', seconds, connections, runs, halfRate, paced, pass })}\n`,
  )
  if (!pass) process.exitCode = 1
}
