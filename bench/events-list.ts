/**
 * `GET /api/events?page=1&pageSize=20` against a bare Fastify hello-world route, same machine, same run,
 * same load tool (autocannon): sustained requests/s and their ratio (target ≥ 0.6), then p99 at half the
 * events rate (target < 20 ms). Tickets runs as one process on PostgreSQL, like the reference.
 *
 *   npm run bench -- events-list [--seconds 15] [--connections 100]
 */
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureSeeded } from './lib/database.ts'
import { startScript, startTickets } from './lib/services.ts'

const { options } = parseArgs(process.argv.slice(2))
const seconds = intOption(options, 'seconds', 15)
const connections = intOption(options, 'connections', 100)

function measure(url: string, extra: Partial<autocannon.Options> = {}): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, ...extra })
}

const summary = (r: autocannon.Result) => ({
  rps: Math.round(r.requests.average),
  p50ms: r.latency.p50,
  p99ms: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors,
})

const hello = await startScript(
  fileURLToPath(new URL('reference/hello.ts', import.meta.url)),
  { PORT: '18090' },
  'http://127.0.0.1:18090',
)
await measure(hello.url, { duration: 3 }) // warm-up
const reference = summary(await measure(hello.url))
await hello.stop()
process.stderr.write(`fastify hello-world: ${JSON.stringify(reference)}\n`)

const env = { DATABASE_URL: await benchDatabase('kokdala_bench'), TICKETS_PORT: '18080' }
await ensureSeeded(env, 5_000, 100_000)
const tickets = await startTickets(env)
const eventsUrl = `${tickets.url}/api/events?page=1&pageSize=20`
await measure(eventsUrl, { duration: 3 })
const events = summary(await measure(eventsUrl))
process.stderr.write(`tickets /api/events: ${JSON.stringify(events)}\n`)
const halfRate = Math.round(events.rps / 2)
// Few connections for the paced run: latency is then the service's, not a queue the load tool built.
const paced = summary(await measure(eventsUrl, { overallRate: halfRate, connections: 10 }))
process.stderr.write(`tickets at half rate (${halfRate}/s): ${JSON.stringify(paced)}\n`)
await tickets.stop()

const ratio = Math.round((events.rps / reference.rps) * 100) / 100
const pass = ratio >= 0.6 && paced.p99ms < 20 && events.non2xx === 0 && paced.non2xx === 0
process.stdout.write(
  `${JSON.stringify({ bench: 'events-list', seconds, connections, reference, events, halfRate, paced, ratio, pass })}\n`,
)
if (!pass) process.exitCode = 1
