import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'

/** Thrown at start-up when the environment does not satisfy the service's config schema. */
export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * Reads environment variables into a typed, validated object.
 * Every problem is reported at once so a misconfigured deployment fails with the full list.
 */
export function loadConfig<T extends TSchema>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  const raw: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') raw[key] = value
  const value = Value.Default(schema, Value.Convert(schema, raw))
  if (!Value.Check(schema, value)) {
    const problems = Value.Errors(schema, value).map((e) => `${e.instancePath.slice(1) || '(root)'}: ${e.message}`)
    throw new ConfigError(problems)
  }
  return Value.Clean(schema, value) as Static<T>
}
