import { type Static, type TObject, type TProperties, Type } from 'typebox'
import { Value } from 'typebox/value'
import { schemaProblem } from './validate.ts'

/** The faults every simulator has, applied to each of its operations (never to `/__sim`). */
export const BaseFaultsSchema = Type.Object({
  /** Every operation answers 503, as a load balancer in front of a dead backend does. */
  outage: Type.Boolean({ default: false }),
  /** Added to every operation before it is handled. */
  latencyMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
  /** Share (0..1) of operations that answer 500 without changing anything. */
  errorRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
})

export type BaseFaults = Static<typeof BaseFaultsSchema>

/** A simulator with no switches of its own. */
export type NoExtraFaults = Record<never, never>

/** The base faults plus a simulator's own switches (`E`, TypeBox properties that each carry a default). */
export type Faults<E extends TProperties = NoExtraFaults> = BaseFaults & Static<TObject<E>>

/**
 * The global fault switch. `current` is one live object: a test may flip a field directly (`current.outage = true`)
 * and the next call sees it; `set` and `reset` change it in place, so references to it stay valid.
 */
export interface FaultSwitch<E extends TProperties = NoExtraFaults> {
  readonly current: Faults<E>
  /** A copy of the switch, for answers and logs. */
  get(): Faults<E>
  /** Applies a patch that names only the fields to change, or returns why it is invalid and changes nothing. */
  set(patch: unknown): string | undefined
  /** Back to the state the simulator was started with. */
  reset(): void
  /** The switch's schema (for documentation and response serialisation). */
  readonly schema: TObject
}

/**
 * Builds a fault switch with the base faults and `extra` switches of one simulator. `initial` overrides the
 * schema defaults at start (e.g. a simulator started with its real, broken cancel); `reset` returns to it.
 */
export function createFaultSwitch<E extends TProperties = NoExtraFaults>(
  extra?: E,
  initial: Partial<Faults<E>> = {},
): FaultSwitch<E> {
  const schema = Type.Object({ ...BaseFaultsSchema.properties, ...(extra ?? {}) }, { additionalProperties: false })
  const patchSchema = Type.Partial(schema, { additionalProperties: false })
  const startState = { ...(Value.Default(schema, {}) as Faults<E>), ...definedFields(initial) } as Faults<E>
  const problem = schemaProblem(schema, startState)
  if (problem) throw new TypeError(`invalid initial faults: ${problem}`)
  const current = { ...startState }
  return {
    current,
    schema,
    get: () => ({ ...current }),
    set(patch) {
      const reason = schemaProblem(patchSchema, patch)
      if (reason) return reason
      Object.assign(current, definedFields(patch as Record<string, unknown>))
      return undefined
    },
    reset() {
      Object.assign(current, startState)
    },
  }
}

function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>
}
