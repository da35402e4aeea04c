/**
 * Tickets of two checkouts side by side (bench/EVENTS-LIST-COST.md): both serve the events list at once from the
 * same database; phases alternate between them, first at a fixed rate, then at the most each serves, and every
 * phase prints the CPU µs a request cost each side. For before/after comparisons on a shared machine, where a
 * side measured minutes later would meet other neighbours. Each checkout needs its own `npm ci`.
 *
 *   npx node bench/lib/compare-tickets.ts <old checkout> [seconds 5] [rounds 4] [rate 6000] [new checkout: this one]
 */
import { fileURLToPath } from 'node:url'
import type autocannon from 'autocannon'
import { benchDatabase, ensureSeeded } from './database.ts'
import { loadOnce } from './interleave.ts'
import { startTickets } from './services.ts'

const [oldRoot, secondsArg, roundsArg, rateArg, newRoot] = process.argv.slice(2)
if (!oldRoot) throw new Error('usage: compare-tickets.ts <old checkout> [seconds] [rounds] [rate] [new checkout]')
const seconds = Number(secondsArg ?? 5)
const rounds = Number(roundsArg ?? 4)
const rate = Number(rateArg ?? 6_000)
const path = '/api/events?page=1&pageSize=20'

const DATABASE_URL = await benchDatabase('kokdala_bench')
await ensureSeeded({ DATABASE_URL }, 5_000, 100_000)
const sides = {
  old: await startTickets({ DATABASE_URL, TICKETS_PORT: '18180' }, 1, oldRoot),
  new: await startTickets(
    { DATABASE_URL, TICKETS_PORT: '18181' },
    1,
    newRoot ?? fileURLToPath(new URL('../..', import.meta.url)),
  ),
}

async function phase(side: keyof typeof sides, extra: Partial<autocannon.Options>) {
  const { url, process: child } = sides[side]
  const target = { url: `${url}${path}`, pid: child.pid! }
  const { result, cpuMicros } = await loadOnce(target, { connections: 100, duration: seconds, ...extra })
  const cpuUsPerRequest = cpuMicros / Math.max(1, result.requests.total)
  return { rps: Math.round(result.requests.average), cpuUsPerRequest: Math.round(cpuUsPerRequest * 10) / 10 }
}

for (const side of ['old', 'new'] as const) await phase(side, { duration: 3 }) // warm-up
for (let round = 0; round < rounds; round++) {
  // Alternate who goes first, so a trend in the neighbours' load favours neither side.
  const order = round % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)
  const line: Record<string, unknown> = { round: round + 1 }
  for (const side of order) line[`${side}@${rate}`] = await phase(side, { overallRate: rate })
  for (const side of order) line[`${side}@max`] = await phase(side, {})
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
await Promise.all(Object.values(sides).map((side) => side.stop()))
