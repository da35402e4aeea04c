/** The fault switch: what every partner/admin call suffers before the provider looks at it. */
export interface Faults {
  /** Every `/api/*` call answers 503 with an empty body, as a provider behind a load balancer with no backend. */
  outage: boolean
  /** Added to every `/api/*` call before it is handled. */
  latencyMs: number
  /** Share (0..1) of `/api/*` calls that answer 500 without changing anything. */
  errorRate: number
}

export const NO_FAULTS: Faults = { outage: false, latencyMs: 0, errorRate: 0 }

export type FaultsPatch = Partial<Faults>

/** Holds the current faults; a patch changes only the fields it names and is checked before it is applied. */
export function createFaultSwitch() {
  let current: Faults = { ...NO_FAULTS }
  return {
    get(): Faults {
      return { ...current }
    },
    /** Applies a patch, or returns why it is invalid and changes nothing. */
    set(patch: FaultsPatch): string | undefined {
      const problem = validatePatch(patch)
      if (problem) return problem
      current = { ...current, ...definedFields(patch) }
      return undefined
    },
    reset(): void {
      current = { ...NO_FAULTS }
    },
  }
}

export type FaultSwitch = ReturnType<typeof createFaultSwitch>

function definedFields(patch: FaultsPatch): FaultsPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
}

function validatePatch(patch: unknown): string | undefined {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return 'body must be a JSON object'
  const { outage, latencyMs, errorRate, ...rest } = patch as Record<string, unknown>
  const unknownKeys = Object.keys(rest)
  if (unknownKeys.length > 0) return `unknown fields: ${unknownKeys.join(', ')}`
  if (outage !== undefined && typeof outage !== 'boolean') return 'outage must be a boolean'
  if (latencyMs !== undefined && !(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) {
    return 'latencyMs must be a number ≥ 0'
  }
  if (errorRate !== undefined && !(typeof errorRate === 'number' && errorRate >= 0 && errorRate <= 1)) {
    return 'errorRate must be a number between 0 and 1'
  }
  return undefined
}
