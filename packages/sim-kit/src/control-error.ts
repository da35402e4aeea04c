import type { TSchema } from 'typebox'
import { schemaProblem } from './validate.ts'

/** A refusal of a `/__sim` control call, answered in the kit's `{ error: { code, message } }` shape. */
export class ControlError extends Error {
  readonly code: string
  readonly httpStatus: number
  constructor(httpStatus: number, code: string, message: string) {
    super(message)
    this.name = 'ControlError'
    this.code = code
    this.httpStatus = httpStatus
  }
}

/**
 * A control call's body checked against `schema` strictly (a misspelt field is a 400 INVALID_BODY, see
 * `schemaProblem`); no body at all counts as `{}`, so `curl -X POST …/reset` works.
 */
export function controlBody<T>(schema: TSchema, value: unknown): T {
  const given = value === undefined || value === null ? {} : value
  const problem = schemaProblem(schema, given)
  if (problem !== undefined) throw new ControlError(400, 'INVALID_BODY', problem)
  return given as T
}
