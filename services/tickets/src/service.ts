import { type Database, defineService, type SeedProgress } from '@kokdala/core'
import { buildTicketsApp, openTicketsDatabase, ticketsMigrations } from './app.ts'
import { loadTicketsConfig, type TicketsConfig, ticketsProfiles } from './config.ts'
import { isSeeded, seedTickets } from './seed/index.ts'
import { ticketsPublicUrl } from './settings.ts'

/** Demo data `kokdala start` loads on the first run: every known user and more, all active events, an archive slice. */
export const DEMO_DATA = { users: 5_000, archiveEvents: 100_000 }

/** The tickets service as the platform's tools see it (`kokdala start|serve|seed tickets`). */
export const ticketsService = defineService<TicketsConfig>({
  name: 'tickets',
  role: 'service',
  loadConfig: loadTicketsConfig,
  address: (config) => ({ host: config.TICKETS_HOST, port: config.TICKETS_PORT, url: ticketsPublicUrl(config) }),
  portVariable: 'TICKETS_PORT',
  migrations: ticketsMigrations,
  openDatabase: openTicketsDatabase,
  seed: {
    isSeeded,
    demo: (db, progress) => seed(db, DEMO_DATA, progress),
    full: (db, sizes, progress) =>
      seed(db, { users: sizes.users ?? 1_000_000, archiveEvents: sizes.archive ?? 6_000_000 }, progress),
  },
  // `demo` is what `kokdala start` runs: for trying things, the contract's reset included.
  profiles: { ...ticketsProfiles, demo: { RESET_ENABLED: 'true' } },
  async build({ config, db }) {
    const { app, runtime } = await buildTicketsApp({ config, db })
    return {
      app,
      runtime,
      // Event 1's stadium is materialised now, so the first buyer does not wait for 100 000 seats to be created.
      warmUp: async () => void (await app.inject({ method: 'GET', url: '/api/seats?event_id=1&pageSize=1' })),
    }
  },
  describe(config) {
    const url = ticketsPublicUrl(config)
    const gateway =
      config.PAYMENT_GATEWAY === 'toleubar' ? `ТөлеуБар at ${config.PAYMENT_GATEWAY_URL}` : 'the test-mode page'
    return [
      `${url}/api/events   docs ${url}/docs   metrics ${url}/metrics`,
      `event 1 seats from ${config.EVENT_PROVIDER_URL ?? 'the local stadium layout'}, payments via ${gateway}`,
    ]
  },
})

async function seed(
  db: Database,
  sizes: { users: number; archiveEvents: number },
  progress: SeedProgress,
): Promise<string> {
  const summary = await seedTickets(db, {
    ...sizes,
    onProgress: (p) => progress(p.table === 'app_user' ? 'users ' : 'events', p.done, p.total),
  })
  const n = (value: number) => value.toLocaleString('en')
  return (
    `seeded ${n(summary.users)} users, ${n(summary.activeEvents)} active and ${n(summary.archiveEvents)} archive ` +
    `events in ${(summary.ms / 1000).toFixed(1)} s`
  )
}
