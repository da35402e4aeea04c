import autocannon from 'autocannon'
import { cpuMicros } from './cpu.ts'

/** A server to load: the URL to request and the process whose CPU it spends. */
export interface LoadTarget {
  url: string
  pid: number
}

/**
 * One load of `target` with autocannon (`options` as autocannon takes them, the target's URL by default): the result,
 * the CPU the target's process spent meanwhile (µs, every thread) and the wall time it took.
 */
export async function loadOnce(target: LoadTarget, options: Partial<autocannon.Options>) {
  const cpuBefore = cpuMicros(target.pid)
  const started = performance.now()
  const result = await autocannon({ url: target.url, ...options })
  return { result, cpuMicros: cpuMicros(target.pid) - cpuBefore, ms: performance.now() - started }
}

/** What one target got over all its slices. */
export interface InterleavedResult {
  /** Requests answered ÷ seconds under load, over all the target's slices. */
  rps: number
  /** The target process's CPU (every thread) ÷ requests answered, over all its slices. */
  cpuUsPerRequest: number
  /** The slowest of the slices' p99 latencies. */
  p99ms: number
  requests: number
  non2xx: number
  errors: number
}

/**
 * Loads several servers in turn, in short slices that rotate (slice k starts with target k mod n), and sums each
 * target's requests, load time and CPU over its slices. On a VM whose speed drifts by tens of percent within a
 * minute (bench/EVENTS-LIST-COST.md), targets measured one after the other in long phases meet different
 * machines; in interleaved slices every target samples the same drift, so their ratio is the servers' own.
 */
export async function measureInterleaved<K extends string>(
  targets: Record<K, LoadTarget>,
  { slices, sliceSeconds, connections }: { slices: number; sliceSeconds: number; connections: number },
): Promise<Record<K, InterleavedResult>> {
  const names = Object.keys(targets) as K[]
  const totals = new Map(names.map((name) => [name, { requests: 0, ms: 0, cpu: 0, p99: 0, non2xx: 0, errors: 0 }]))
  for (let slice = 0; slice < slices; slice++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(slice + i) % names.length]
      const { result, cpuMicros, ms } = await loadOnce(targets[name], { connections, duration: sliceSeconds })
      const total = totals.get(name)!
      total.ms += ms
      total.cpu += cpuMicros
      total.requests += result.requests.total
      total.p99 = Math.max(total.p99, result.latency.p99)
      total.non2xx += result.non2xx
      total.errors += result.errors
    }
  }
  const out = {} as Record<K, InterleavedResult>
  for (const name of names) {
    const t = totals.get(name)!
    out[name] = {
      rps: Math.round((t.requests / t.ms) * 1000),
      cpuUsPerRequest: Math.round((t.cpu / Math.max(1, t.requests)) * 10) / 10,
      p99ms: t.p99,
      requests: t.requests,
      non2xx: t.non2xx,
      errors: t.errors,
    }
  }
  return out
}
