export type CircuitState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number
  /** How long an open circuit refuses calls before it lets one probe through. */
  resetTimeoutMs?: number
  /** Milliseconds since some epoch; injectable so tests can move time. */
  now?: () => number
}

/** Thrown instead of calling a partner the breaker considers down, so callers fail fast rather than pile up. */
export class CircuitOpenError extends Error {
  constructor() {
    super('Circuit open')
    this.name = 'CircuitOpenError'
  }
}

export interface CircuitBreaker {
  /**
   * Runs `fn` unless the circuit is open. A rejection counts as a failure; so does a result `isFailure` flags
   * (a 503 answer, say), which is still returned to the caller.
   */
  run<T>(fn: () => Promise<T>, isFailure?: (result: T) => boolean): Promise<T>
  state(): CircuitState
}

/**
 * A consecutive-failure circuit breaker: after `failureThreshold` failures in a row it opens and refuses calls;
 * after `resetTimeoutMs` it lets exactly one probe through (half-open), whose success closes it and whose failure
 * opens it for another `resetTimeoutMs`. Only consecutive failures count, so a partner that fails now and then
 * never trips it.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const failureThreshold = options.failureThreshold ?? 5
  const resetTimeoutMs = options.resetTimeoutMs ?? 2_000
  const now = options.now ?? Date.now
  let failures = 0
  let openedAt: number | undefined
  let probing = false

  function state(): CircuitState {
    if (openedAt === undefined) return 'closed'
    return now() - openedAt >= resetTimeoutMs ? 'half-open' : 'open'
  }

  function settle(failed: boolean, probe: boolean) {
    if (probe) probing = false
    if (!failed) {
      failures = 0
      openedAt = undefined
      return
    }
    // The count is not reset on opening, so a failed probe re-opens at once: only a success proves the partner back.
    failures++
    if (failures >= failureThreshold) openedAt = now()
  }

  return {
    async run<T>(fn: () => Promise<T>, isFailure?: (result: T) => boolean): Promise<T> {
      const current = state()
      if (current === 'open' || (current === 'half-open' && probing)) throw new CircuitOpenError()
      const probe = current === 'half-open'
      if (probe) probing = true
      let result: T
      try {
        result = await fn()
      } catch (error) {
        settle(true, probe)
        throw error
      }
      settle(isFailure?.(result) ?? false, probe)
      return result
    },
    state,
  }
}
