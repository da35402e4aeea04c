import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'

/**
 * Why `value` does not match `schema` (every problem, one line), or undefined when it does. The `/__sim` routes
 * check bodies with this rather than a route schema: Fastify's validator would silently drop a misspelt field
 * (`removeAdditional`), and a misspelt fault must be a 400, not a no-op.
 */
export function schemaProblem(schema: TSchema, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object'
  if (Value.Check(schema, value)) return undefined
  return Value.Errors(schema, value)
    .map((error) => `${error.instancePath.slice(1) || '(body)'}: ${error.message}`)
    .join('; ')
}
