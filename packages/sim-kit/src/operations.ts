import { type Static, Type } from 'typebox'
import { schemaProblem } from './validate.ts'

/**
 * What one operation suffers: wait `latencyMs`, then answer `status` without running it, or `drop` the connection
 * without an answer, or `timeout` (hold the request unanswered until the client gives up). An empty fault is a
 * normal answer, which is how a script says "let this one through".
 */
export const OperationFaultSchema = Type.Object(
  {
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    drop: Type.Optional(Type.Boolean()),
    timeout: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export type OperationFault = Static<typeof OperationFaultSchema>

/** How many scripted outcomes may wait for one operation, in one call or over several. */
const MAX_SCRIPTED = 1000

export const ScriptSchema = Type.Object(
  { outcomes: Type.Array(OperationFaultSchema, { minItems: 1, maxItems: MAX_SCRIPTED }) },
  { additionalProperties: false },
)

/** One operation's standing fault and the scripted outcomes still waiting for its next calls. */
export interface OperationState {
  operation: string
  fault: OperationFault | null
  scripted: OperationFault[]
}

/**
 * Faults per operation, set at runtime: a standing fault applies to every call until cleared; a script is a queue
 * of outcomes for the next N calls (`[{ status: 500 }, {}, { drop: true }]`: fail, pass, drop), consumed before the
 * standing fault is looked at.
 */
export function createOperationFaults() {
  const standing = new Map<string, OperationFault>()
  const scripts = new Map<string, OperationFault[]>()

  return {
    /** Sets the standing fault of `operation`; returns why it is invalid and changes nothing otherwise. */
    set(operation: string, fault: unknown): string | undefined {
      const problem = schemaProblem(OperationFaultSchema, fault)
      if (problem) return problem
      standing.set(operation, { ...(fault as OperationFault) })
      return undefined
    },
    /** Appends outcomes to the script of `operation`; returns why it is invalid and changes nothing otherwise. */
    script(operation: string, outcomes: unknown): string | undefined {
      const problem = schemaProblem(ScriptSchema, { outcomes })
      if (problem) return problem
      const queue = scripts.get(operation) ?? []
      // Each call appends: without a bound on the whole queue, repeated calls would grow it without end.
      if (queue.length + (outcomes as unknown[]).length > MAX_SCRIPTED) {
        return `outcomes: at most ${MAX_SCRIPTED} may wait per operation; ${queue.length} already do`
      }
      queue.push(...(outcomes as OperationFault[]).map((outcome) => ({ ...outcome })))
      scripts.set(operation, queue)
      return undefined
    },
    /** The fault for the next call of `operation` (a scripted one is consumed), or undefined. */
    next(operation: string): OperationFault | undefined {
      const queue = scripts.get(operation)
      if (queue && queue.length > 0) {
        const outcome = queue.shift()!
        if (queue.length === 0) scripts.delete(operation)
        return outcome
      }
      return standing.get(operation)
    },
    /** Clears the standing fault and the script of one operation, or of every operation. */
    clear(operation?: string): void {
      if (operation === undefined) {
        standing.clear()
        scripts.clear()
        return
      }
      standing.delete(operation)
      scripts.delete(operation)
    },
    /** Every operation with a standing fault or a pending script. */
    list(): OperationState[] {
      const names = [...new Set([...standing.keys(), ...scripts.keys()])].sort()
      return names.map((operation) => ({
        operation,
        fault: standing.get(operation) ?? null,
        scripted: [...(scripts.get(operation) ?? [])],
      }))
    },
  }
}

export type OperationFaults = ReturnType<typeof createOperationFaults>
