import type { Database } from '@kokdala/core'
import { seedTickets } from '@kokdala/tickets/seed'
import { createProgress } from '../progress.ts'

export interface SeedCommandOptions {
  users: number
  archiveEvents: number
}

/** Seeds the tickets database with progress bars and prints what it loaded. */
export async function seedWithProgress(db: Database, options: SeedCommandOptions, out = process.stderr) {
  const bars = {
    app_user: createProgress('users ', options.users),
    event: createProgress('events', 10_000 + options.archiveEvents),
  }
  const summary = await seedTickets(db, {
    users: options.users,
    archiveEvents: options.archiveEvents,
    onProgress: (p) => bars[p.table].update(p.done),
  })
  out.write(
    `seeded ${summary.users.toLocaleString('en')} users, ${summary.activeEvents.toLocaleString('en')} active and ` +
      `${summary.archiveEvents.toLocaleString('en')} archive events in ${(summary.ms / 1000).toFixed(1)} s\n`,
  )
  return summary
}
