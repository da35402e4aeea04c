/** Parses `--name value`, `--name=value` and `--flag` into an object; the rest are positional. */
export function parseArgs(argv: string[]): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = []
  const options: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const [name, inline] = arg.slice(2).split('=', 2)
    if (inline !== undefined) options[name] = inline
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) options[name] = argv[++i]
    else options[name] = true
  }
  return { positional, options }
}

/** A positive integer option, with a default and a clear error for anything else. */
export function intOption(options: Record<string, string | true>, name: string, fallback: number): number {
  const raw = options[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`)
  return value
}
