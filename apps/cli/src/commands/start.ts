import { closeOnSignals, type StartedService, startService } from '@kokdala/core'
import { applyProfile, platform } from '../platform.ts'
import { progressBars } from '../progress.ts'

/**
 * `kokdala start [--only a,b]`: every simulator and service of the platform in one process on fixed local ports,
 * services on embedded PGlite under ./data (or PostgreSQL with DATABASE_URL), each wired to what starts beside
 * it, demo data seeded on the first run, URLs printed.
 */
export async function start(only: string[] | undefined, out = process.stdout) {
  const known = platform.map((descriptor) => descriptor.name)
  const unknown = only?.filter((name) => !known.includes(name)) ?? []
  if (unknown.length > 0) throw new Error(`cannot start ${unknown.join(', ')}; known: ${known.join(', ')}`)
  const wanted = platform.filter((descriptor) => !only || only.includes(descriptor.name))
  const names = new Set(wanted.map((descriptor) => descriptor.name))

  const env = { ...process.env }
  for (const descriptor of wanted) {
    // The demo profile, where a service has one, is for trying things (tickets: the contract's public reset).
    if (descriptor.profiles?.demo) applyProfile(env, descriptor, 'demo')
    descriptor.wire?.(env, names)
  }

  const started: StartedService<unknown>[] = []
  const lines: string[] = []
  try {
    for (const descriptor of wanted) {
      const service = await startService(descriptor, {
        env,
        seedDemo: true,
        progress: progressBars(`${descriptor.name}: `),
        onSeeded: (line) => out.write(`${descriptor.name}: ${line}\n`),
      })
      started.push(service)
      const title = descriptor.role === 'simulator' ? `${descriptor.name} (simulator)` : descriptor.name
      const [first, ...rest] = descriptor.describe(service.config)
      lines.push(`${title.padEnd(28)} ${first ?? service.url}`, ...rest.map((line) => `  ${line}`))
    }
  } catch (error) {
    for (const service of started.reverse()) await service.close()
    throw error
  }
  out.write(`\nKokdala is running:\n  ${lines.join('\n  ')}\nPress Ctrl+C to stop.\n`)
  // Services close before the simulators they call.
  closeOnSignals([...started].reverse())
}
