/** What the simulator did with one call of an operation. */
export interface LoggedRequest {
  /** ISO time the call arrived. */
  at: string
  operation: string
  method: string
  url: string
  /** The status answered; 0 when the connection was dropped or held until the client gave up. */
  status: number
  durationMs: number
  /** The injected fault that decided the answer, when one did: `status 500`, `outage`, `drop`, `timeout`… */
  fault?: string
}

/**
 * The last `capacity` calls, oldest first: what a test or a person at `/__sim/requests` reads to see what the
 * client under test really sent. Bounded so a simulator left running under load does not grow without end.
 */
export function createRequestLog(capacity = 1000) {
  const entries: LoggedRequest[] = []
  return {
    add(entry: LoggedRequest): void {
      entries.push(entry)
      if (entries.length > capacity) entries.shift()
    },
    /** The logged calls, optionally of one operation only, the newest `limit` of them. */
    list(filter: { operation?: string; limit?: number } = {}): LoggedRequest[] {
      const matching = filter.operation ? entries.filter((entry) => entry.operation === filter.operation) : entries
      // slice(-0) would be the whole log: a limit of 0 is none.
      if (filter.limit === 0) return []
      return filter.limit === undefined ? [...matching] : matching.slice(-filter.limit)
    },
    /** How many calls of `operation` (or of every operation) are in the log. */
    count(operation?: string): number {
      return operation ? entries.filter((entry) => entry.operation === operation).length : entries.length
    },
    clear(): void {
      entries.length = 0
    },
  }
}

export type RequestLog = ReturnType<typeof createRequestLog>
