/**
 * A service descriptor: everything the platform's tools need to know about one service or simulator — its name,
 * configuration, address, database and migrations, demo and full data, and how to build it. `kokdala start`,
 * `kokdala serve`, `kokdala seed`, the benchmarks and the test helpers read descriptors instead of naming a
 * service, so a new service is one descriptor added to the platform's list (`apps/cli/src/platform.ts`).
 */
import type { FastifyInstance } from 'fastify'
import type { Database } from './db.ts'
import { LISTEN_BACKLOG } from './http.ts'
import type { Closeable } from './lifecycle.ts'
import type { Runtime } from './runtime.ts'

export type Env = Record<string, string | undefined>

/** A progress report from long seeding: `label` names the table or step, `total` may be 0 when unknown. */
export type SeedProgress = (label: string, done: number, total: number) => void

export interface ServiceSeed {
  /** Whether the database already holds data (then `kokdala start` leaves it as it is). */
  isSeeded(db: Database): Promise<boolean>
  /** Demo data `kokdala start` loads on the first run; returns the line the CLI prints. */
  demo(db: Database, progress: SeedProgress): Promise<string>
  /** The full data set of `kokdala seed`, sized by command-line options (`--users 1000000`). */
  full(db: Database, sizes: Record<string, number>, progress: SeedProgress): Promise<string>
}

/** A built service: its HTTP app and the runtime owning its background work and what it closes. */
export interface BuiltService {
  app: FastifyInstance
  runtime: Runtime
  /** Optional work after listening that makes the first real request fast (e.g. materialising a hall). */
  warmUp?(): Promise<void>
}

export interface ServiceDescriptor<Config = unknown> {
  /** The name on the command line, in logs and in `--only`: `tickets`, `event-provider`. */
  name: string
  /** `service`: ours, deployed to production. `simulator`: stands in for a partner's system in development. */
  role: 'service' | 'simulator'
  /** Reads and validates the configuration from the environment; throws ConfigError listing every problem. */
  loadConfig(env?: Env): Config
  /** Where it listens (host, port) and the URL others reach it at. */
  address(config: Config): { host: string; port: number; url: string }
  /** The environment variable that sets its port (tests and benchmarks move it to a free one). */
  portVariable: string
  /** Migration folders, applied in order (core's first); absent for a service without a database. */
  migrations?: string[]
  /** Opens its database and applies migrations; absent for a service without one. */
  openDatabase?(config: Config): Promise<Database>
  seed?: ServiceSeed
  /** Named sets of defaults for a deployment (`kokdala serve tickets --profile hackload`). */
  profiles?: Record<string, Env>
  /**
   * Fills in (never overrides) the environment from the services started beside it in one platform, e.g. tickets
   * points at the Event Provider simulator. `started` holds the names of everything being started.
   */
  wire?(env: Env, started: ReadonlySet<string>): void
  /** Builds the service. `db` is given when the caller opened it (and then closes it); otherwise it opens its own. */
  build(context: { config: Config; db?: Database }): Promise<BuiltService>
  /** What `kokdala start` prints about it once it listens: URLs and how it is wired. */
  describe(config: Config): string[]
}

/** Declares a descriptor with its config type checked throughout. */
export function defineService<Config>(descriptor: ServiceDescriptor<Config>): ServiceDescriptor<Config> {
  return descriptor
}

/** A service started by `startService`: where it is, and how to stop it. */
export interface StartedService<Config = unknown> extends Closeable {
  name: string
  url: string
  config: Config
  built: BuiltService
  db?: Database
}

export interface StartServiceOptions<Config = unknown> {
  env?: Env
  /** An already open database (a test's); the caller keeps it and closes it. Otherwise the service opens its own. */
  db?: Database
  /** The configuration, when the caller has loaded it already; otherwise it is loaded from `env`. */
  config?: Config
  /** Loads the descriptor's demo data into an empty database first (`kokdala start`). */
  seedDemo?: boolean
  progress?: SeedProgress
  /** Told what was seeded. */
  onSeeded?(line: string): void
}

/**
 * Starts one descriptor in this process: configuration, database (with demo data if asked), build, listen on its
 * address, warm-up. Closing it closes the app (and with it the runtime), then the database it opened.
 */
export async function startService<Config>(
  descriptor: ServiceDescriptor<Config>,
  {
    env = process.env,
    db: givenDb,
    config: given,
    seedDemo = false,
    progress = () => {},
    onSeeded,
  }: StartServiceOptions<Config> = {},
): Promise<StartedService<Config>> {
  const config = given ?? descriptor.loadConfig(env)
  const ownDb = givenDb ? undefined : await descriptor.openDatabase?.(config)
  const db = givenDb ?? ownDb
  let built: BuiltService | undefined
  try {
    if (db && seedDemo && descriptor.seed && !(await descriptor.seed.isSeeded(db))) {
      onSeeded?.(await descriptor.seed.demo(db, progress))
    }
    built = await descriptor.build({ config, db })
    const { host, port, url } = descriptor.address(config)
    await built.app.listen({ host, port, backlog: LISTEN_BACKLOG })
    await built.warmUp?.()
    return {
      name: descriptor.name,
      url,
      config,
      built,
      db,
      async close() {
        await built?.app.close()
        await ownDb?.close()
      },
    }
  } catch (error) {
    // A port in use fails after the app is ready, its runtime running: stop it too.
    await built?.app.close()
    await ownDb?.close()
    throw error
  }
}
