/**
 * Archive search over the full data set (10 000 active + 6 000 000 archive events) on PostgreSQL, with the
 * HackLoad archive test's phrases, with and without `date=2024-12-25`:
 *  - first call (nothing cached in the service): each phrase × date × pages 1..N once, one client → p95 ≤ 200 ms;
 *  - repeated calls (cached answers), 16 concurrent clients for a fixed time → p99 ≤ 10 ms.
 * Needs the full data set: `DATABASE_URL=…/kokdala_bench_full npm run kokdala -- seed` (the bench seeds it if absent).
 *
 *   npm run bench -- archive-search [--pages 10] [--seconds 15] [--archive 6000000]
 */
import { intOption, parseArgs } from '../apps/cli/src/args.ts'
import { benchDatabase, ensureSeeded } from './lib/database.ts'
import { runLoad } from './lib/load.ts'
import { startTickets } from './lib/services.ts'
import { quantile, round2 } from './lib/stats.ts'

const PHRASES = ['концерт', 'Дмитрий Козлов', 'азарт', 'Чемпионат', 'Красная шапочка', 'Экспозиция "Звездные войны"']
const { options } = parseArgs(process.argv.slice(2))
const pages = intOption(options, 'pages', 10)
const seconds = intOption(options, 'seconds', 15)
const archive = intOption(options, 'archive', 6_000_000)

const paths = (page: number) =>
  PHRASES.flatMap((phrase) => {
    const base = `/api/events?query=${encodeURIComponent(phrase)}&page=${page}&pageSize=20`
    return [base, `${base}&date=2024-12-25`]
  })

const env = {
  DATABASE_URL: await benchDatabase(archive === 6_000_000 ? 'kokdala_bench_full' : `kokdala_bench_a${archive}`),
  TICKETS_PORT: '18084',
}
await ensureSeeded(env, archive === 6_000_000 ? 1_000_000 : 5_000, archive)
const service = await startTickets(env)
try {
  // First calls: a fresh process, so every (phrase, date, page) is answered by PostgreSQL.
  const firstCalls: Array<{ path: string; ms: number; results: number }> = []
  for (let page = 1; page <= pages; page++) {
    for (const path of paths(page)) {
      const t0 = performance.now()
      const response = await fetch(`${service.url}${path}`)
      const body = (await response.json()) as unknown[]
      firstCalls.push({ path, ms: performance.now() - t0, results: body.length })
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`)
    }
  }
  const firstMs = firstCalls.map((c) => c.ms)
  const slowest = [...firstCalls]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((c) => ({ ...c, ms: round2(c.ms) }))
  // Per phrase and date: the p95 over its pages, so one slow combination cannot hide in the overall figure.
  const perQuery = paths(1).map((pageOnePath) => {
    const key = pageOnePath.replace('&page=1', '')
    const ms = firstCalls.filter((c) => c.path.replace(/&page=\d+/, '') === key).map((c) => c.ms)
    return { query: decodeURIComponent(key.replace('/api/events?', '')), p95ms: round2(quantile(ms, 0.95)) }
  })
  const pageOne = paths(1).map((path) => ({
    path: decodeURIComponent(path),
    results: firstCalls.find((c) => c.path === path)?.results,
  }))
  process.stderr.write(
    `first calls: ${firstCalls.length}, p95 ${round2(quantile(firstMs, 0.95))} ms, slowest ${JSON.stringify(slowest)}\n`,
  )

  const warm = paths(1)
  const repeated = await runLoad({
    url: service.url,
    concurrency: 16,
    durationMs: seconds * 1000,
    request: (i) => ({ method: 'GET', path: warm[i % warm.length] }),
  })
  const first = {
    calls: firstCalls.length,
    p50ms: round2(quantile(firstMs, 0.5)),
    p95ms: round2(quantile(firstMs, 0.95)),
    maxMs: round2(Math.max(...firstMs)),
    slowest,
    perQuery,
    combinationsWithinTarget: perQuery.filter((q) => q.p95ms <= 200).length,
  }
  const pass = first.p95ms <= 200 && repeated.p99ms <= 10 && repeated.statuses['200'] === repeated.requests
  process.stdout.write(
    `${JSON.stringify({ bench: 'archive-search', archive, pages, first, repeated, pageOne, pass })}\n`,
  )
  if (!pass) process.exitCode = 1
} finally {
  await service.stop()
}
