import { closeOnSignals } from '@kokdala/core'
import { buildTicketsApp, loadTicketsConfig, openTicketsDatabase } from '@kokdala/tickets'
import { isSeeded } from '@kokdala/tickets/seed'
import { seedWithProgress } from './seed.ts'

/** Demo data `npm start` loads on first run: every known user and more, all active events, an archive slice. */
export const DEMO_DATA = { users: 5_000, archiveEvents: 100_000 }

/**
 * `kokdala start`: every service on embedded PGlite under ./data (or PostgreSQL with DATABASE_URL),
 * demo data seeded on first run, URLs printed.
 */
export async function start(only: string[] | undefined, out = process.stdout) {
  const wanted = only ?? ['tickets']
  const closeables = []
  const lines: string[] = []
  if (wanted.includes('tickets')) {
    const config = loadTicketsConfig()
    const db = await openTicketsDatabase(config)
    if (!(await isSeeded(db))) {
      out.write(`tickets: seeding demo data into ${config.DATABASE_URL ? 'PostgreSQL' : config.TICKETS_DATA_DIR}\n`)
      await seedWithProgress(db, DEMO_DATA)
    }
    const { app } = await buildTicketsApp({ config, db })
    await app.listen({ port: config.TICKETS_PORT, host: config.TICKETS_HOST })
    // Event 1's stadium is materialised now, so the first buyer does not wait for 100 000 seats to be created.
    await app.inject({ method: 'GET', url: '/api/seats?event_id=1&pageSize=1' })
    const url = `http://${config.TICKETS_HOST}:${config.TICKETS_PORT}`
    lines.push(`tickets   ${url}/api/events   docs ${url}/docs   health ${url}/health   metrics ${url}/metrics`)
    closeables.push(app, db)
  }
  out.write(`\nKokdala is running:\n  ${lines.join('\n  ')}\nPress Ctrl+C to stop.\n`)
  closeOnSignals(closeables)
}
