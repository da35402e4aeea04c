import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import type { Queryable } from '../db.ts'
import { AppError } from '../errors.ts'
import { type EnqueueOptions, enqueue, enqueueKeyed } from './enqueue.ts'
import type { Job, JobKind, JobRun } from './worker.ts'

/** What a job kind is: its name, the shape of its payload, what runs it, and how it retries. */
export interface JobDefinition<S extends TSchema> {
  kind: string
  payload: S
  /**
   * Runs one job; the payload was checked against the schema when the job was enqueued. `run` carries what
   * `prepare` loaded and takes writes to commit with the job's settling.
   */
  handler: (payload: Static<S>, job: Job, run: JobRun) => Promise<void>
  /** Loads what a claimed batch of this kind needs in one query (`JobKind.prepare`). */
  prepare?: JobKind['prepare']
  /** `prepare` as SQL of the settle statement that chains this kind's jobs (`JobKind.chainedPrepare`). */
  chainedPrepare?: JobKind['chainedPrepare']
  /** Lease the group's next job ahead while a job of this kind runs (`JobKind.pipelined`). */
  pipelined?: boolean
  /** Undoes what the prepares wrote for a job leased ahead and released unrun (`JobKind.unprepare`). */
  unprepare?: JobKind['unprepare']
  /** Delay in ms before each retry; after the last one the job is dead. Defaults to the worker's schedule. */
  retry?: number[]
  /** Called once the job is dead: compensate, alert. */
  onDead?: (payload: Static<S>, job: Job, error: unknown) => Promise<void>
  /** The ordered group a job joins, from its payload (one queue per cashbox, say); an enqueue's `group` wins. */
  group?: (payload: Static<S>) => string
}

/** A defined job kind: give it to `createWorker({ jobs })`, and enqueue through it with a checked, typed payload. */
export interface DefinedJob<P = unknown> extends JobKind {
  readonly kind: string
  /** Adds a job in the caller's transaction; throws 422 `JOB_PAYLOAD_INVALID` when the payload breaks the schema. */
  enqueue(tx: Queryable, payload: P, options?: EnqueueOptions): Promise<void>
  /** `enqueueKeyed` with a checked payload: creates, revives or re-arms the job with this key. */
  enqueueKeyed(tx: Queryable, key: string, payload: P, options?: { group?: string }): Promise<void>
}

/**
 * Declares a job kind once: the payload schema types the handler and guards every enqueue, so a wrong payload is
 * refused at the caller (a 4xx it can act on) instead of failing in a worker later, where nobody is waiting.
 */
export function defineJob<S extends TSchema>(definition: JobDefinition<S>): DefinedJob<Static<S>> {
  const validator = Compile(definition.payload)
  const checked = (payload: unknown): Static<S> => {
    if (validator.Check(payload)) return payload as Static<S>
    const errors = validator.Errors(payload).map((e) => ({ path: e.instancePath || '/', message: e.message }))
    throw new AppError('JOB_PAYLOAD_INVALID', `invalid payload for job ${definition.kind}`, {
      kind: definition.kind,
      errors,
    })
  }
  const groupOf = (payload: Static<S>, group: string | undefined) => group ?? definition.group?.(payload)
  const { onDead } = definition
  return {
    kind: definition.kind,
    retrySchedule: definition.retry,
    prepare: definition.prepare,
    chainedPrepare: definition.chainedPrepare,
    pipelined: definition.pipelined,
    unprepare: definition.unprepare,
    run: (job, run) => definition.handler(job.payload as Static<S>, job, run),
    onDead: onDead && ((job, error) => onDead(job.payload as Static<S>, job, error)),
    async enqueue(tx, payload, options = {}) {
      const valid = checked(payload)
      await enqueue(tx, definition.kind, valid, { ...options, group: groupOf(valid, options.group) })
    },
    async enqueueKeyed(tx, key, payload, options = {}) {
      const valid = checked(payload)
      await enqueueKeyed(tx, definition.kind, key, valid, { group: groupOf(valid, options.group) })
    },
  }
}
