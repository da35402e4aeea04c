import { buildTicketsApp, loadTicketsConfig, ticketsProfiles } from '@kokdala/tickets'
import type { FastifyInstance } from 'fastify'
import { buildRung, type CachedPage, type Rung, rungs } from './ladder.ts'

export interface BreakdownOptions {
  /** The tickets environment (database URL, port). */
  env: Record<string, string>
  /** The path and query measured, e.g. `/api/events?page=1&pageSize=20`. */
  path: string
  /** Rounds; each runs one batch on every rung, in turn. */
  rounds: number
  /** Requests per batch. */
  batch: number
}

const round1 = (value: number) => Math.round(value * 10) / 10

/** CPU this process used since `since` (user + system, every thread), in microseconds. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since)
  return user + system
}

/**
 * The cost ladder, in this one process: every rung of `ladder.ts` and the whole tickets service (built from the
 * environment, on its database, without its background loops) answer `path` through `inject` (Fastify's whole
 * request path without the sockets, which cost every rung the same). The rungs take turns in small batches
 * and each rung's figure is its cheapest batch: the neighbours on a shared machine only ever add to a batch's CPU
 * (evicted caches, interrupted turns, a collection that fell into it), so the cheapest of many batches is the
 * closest to what the request itself costs, and taking turns exposes every rung to the same moments. Prints one
 * JSON line: each rung's CPU per request and what it adds to the rung below.
 */
export async function runBreakdown({ env, path, rounds, batch }: BreakdownOptions): Promise<void> {
  const config = loadTicketsConfig({ ...ticketsProfiles.hackload, ...process.env, ...env, LOG_LEVEL: 'warn' })
  const tickets = await buildTicketsApp({ config, background: false })
  const first = await tickets.app.inject({ method: 'GET', url: path })
  if (first.statusCode !== 200) throw new Error(`tickets answered ${first.statusCode} for ${path}`)
  const page: CachedPage = { path, body: first.rawPayload, contentType: String(first.headers['content-type']) }

  const apps = new Map<string, FastifyInstance>()
  for (const rung of Object.keys(rungs) as Rung[]) apps.set(rung, await buildRung(rung, page))
  apps.set('tickets', tickets.app as unknown as FastifyInstance)

  const samples = new Map<string, number[]>([...apps.keys()].map((name) => [name, []]))
  let failures = 0
  const runBatch = async (app: FastifyInstance) => {
    const since = process.cpuUsage()
    for (let i = 0; i < batch; i++) {
      const response = await app.inject({ method: 'GET', url: path })
      if (response.statusCode !== 200 || response.rawPayload.byteLength !== page.body.byteLength) failures++
    }
    return cpuSince(since) / batch
  }
  for (const app of apps.values()) await runBatch(app) // warm-up: compiled code, caches
  for (let round = 0; round < rounds; round++) {
    for (const [name, app] of apps) samples.get(name)!.push(await runBatch(app))
  }
  for (const app of apps.values()) await app.close()

  let below: number | undefined
  const table = [...samples].map(([rung, values]) => {
    const cpuUsPerRequest = round1(Math.min(...values))
    const addedUs = below === undefined ? undefined : round1(cpuUsPerRequest - below)
    below = cpuUsPerRequest
    return { rung, what: rung in rungs ? rungs[rung as Rung] : 'the whole tickets service', cpuUsPerRequest, addedUs }
  })
  for (const row of table) process.stderr.write(`${JSON.stringify(row)}\n`)
  process.stdout.write(`${JSON.stringify({ bench: 'events-list-breakdown', rounds, batch, failures, rungs: table })}\n`)
}
