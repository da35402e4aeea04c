import { Pool } from 'undici'
import { quantile, round2 } from './stats.ts'

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  headers?: Record<string, string>
  body?: unknown
}

export interface LoadOptions {
  url: string
  /** Requests in flight at once (closed loop). */
  concurrency: number
  /** Stop after this many requests … */
  requests?: number
  /** … or after this many milliseconds, whichever comes first. */
  durationMs?: number
  /** Builds request number i. */
  request: (i: number) => LoadRequest
}

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  statuses: Record<string, number>
  p50ms: number
  p95ms: number
  p99ms: number
}

/**
 * A bounded closed-loop load generator over one undici connection pool: `concurrency` loops each send a request,
 * wait for the answer, and send the next, until the count or the time is used up.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 })
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  const limit = options.requests ?? Number.POSITIVE_INFINITY
  const deadline = Date.now() + (options.durationMs ?? 60_000)
  let next = 0
  const started = performance.now()
  async function loop() {
    while (next < limit && Date.now() < deadline) {
      const i = next++
      const spec = options.request(i)
      const t0 = performance.now()
      const headers: Record<string, string> = { ...spec.headers }
      if (spec.body !== undefined) headers['content-type'] = 'application/json'
      try {
        const response = await pool.request({
          method: spec.method,
          path: spec.path,
          headers,
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        })
        await response.body.dump()
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error'
        statuses[code] = (statuses[code] ?? 0) + 1
      }
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, loop))
  const seconds = (performance.now() - started) / 1000
  await pool.close()
  return {
    requests: latencies.length,
    seconds: round2(seconds),
    rps: Math.round(latencies.length / seconds),
    statuses,
    p50ms: round2(quantile(latencies, 0.5)),
    p95ms: round2(quantile(latencies, 0.95)),
    p99ms: round2(quantile(latencies, 0.99)),
  }
}
