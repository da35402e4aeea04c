import { readFileSync } from 'node:fs'
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
  // TypeBox's Convert truncates "12.5" to the integer 12: a setting written wrong would start with another value.
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  const notWhole = Object.keys(properties).filter(
    (key) => properties[key].type === 'integer' && typeof raw[key] === 'string' && !/^-?\d+$/.test(raw[key] as string),
  )
  const value = Value.Default(schema, Value.Convert(schema, raw))
  if (notWhole.length > 0 || !Value.Check(schema, value)) {
    const problems = [
      ...notWhole.map((key) => `${key}: must be a whole number`),
      ...Value.Errors(schema, value)
        .map((e) => `${e.instancePath.slice(1) || '(root)'}: ${e.message}`)
        .filter((problem) => !notWhole.includes(problem.split(':')[0])),
    ]
    throw new ConfigError(problems)
  }
  return Value.Clean(schema, value) as Static<T>
}

/**
 * Resolves `<NAME>_FILE` for each secret named: the variable takes the file's content (one trailing newline
 * dropped), so secrets can come from mounted files (Docker/Kubernetes secrets, systemd credentials) instead of
 * the environment. Setting both `<NAME>` and `<NAME>_FILE`, or naming a file that cannot be read, is a
 * ConfigError listing every such problem; the file's content is never part of a message.
 */
export function withSecretFiles(
  env: Record<string, string | undefined>,
  names: readonly string[],
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Record<string, string | undefined> {
  const resolved = { ...env }
  const problems: string[] = []
  for (const name of names) {
    const path = env[`${name}_FILE`]
    if (path === undefined || path === '') continue
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`)
      continue
    }
    try {
      resolved[name] = read(path).replace(/\r?\n$/, '')
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return resolved
}
