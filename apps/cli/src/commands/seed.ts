import { descriptorNamed } from '../platform.ts'
import { progressBars } from '../progress.ts'

/**
 * `kokdala seed [service] [--users N] [--archive N]`: (re)loads a service's full data set (tickets by default),
 * with progress, into PGlite or the PostgreSQL of DATABASE_URL, and prints what it loaded.
 */
export async function seed(name: string | undefined, sizes: Record<string, number>, out = process.stdout) {
  const descriptor = descriptorNamed(name ?? 'tickets')
  if (!descriptor.seed || !descriptor.openDatabase) throw new Error(`${descriptor.name} has no data to seed`)
  const config = descriptor.loadConfig(process.env)
  const db = await descriptor.openDatabase(config)
  try {
    out.write(`seeding ${descriptor.name} on ${db.kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}\n`)
    out.write(`${await descriptor.seed.full(db, sizes, progressBars())}\n`)
  } finally {
    await db.close()
  }
}
