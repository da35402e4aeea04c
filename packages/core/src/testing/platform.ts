import type { Database } from '../db.ts'
import type { Env, ServiceDescriptor, StartedService } from '../service.ts'
import { startService } from '../service.ts'
import { openTestDatabase } from './database.ts'
import { freePort } from './waiting.ts'

export interface TestPlatform {
  /** Each started service by name: its URL, config and built app. */
  services: Map<string, StartedService<unknown>>
  url(name: string): string
  close(): Promise<void>
}

/**
 * Starts descriptors the way `kokdala start` does — in order, each wired to the others — but for a test: every
 * one on a free loopback port, every database a fresh test database (PGlite in memory, or a new PostgreSQL
 * database with TEST_DATABASE_URL), no demo data. `env` is applied on top of the wiring.
 */
export async function startTestPlatform(
  descriptors: readonly ServiceDescriptor<never>[],
  env: Env = {},
): Promise<TestPlatform> {
  const names = new Set(descriptors.map((descriptor) => descriptor.name))
  const platformEnv: Env = { ...process.env, LOG_LEVEL: 'warn', ...env }
  for (const descriptor of descriptors) platformEnv[descriptor.portVariable] ??= String(await freePort())
  for (const descriptor of descriptors) descriptor.wire?.(platformEnv, names)

  const services = new Map<string, StartedService<unknown>>()
  const databases: Database[] = []
  const close = async () => {
    for (const service of [...services.values()].reverse()) await service.close()
    for (const db of databases) await db.close()
  }
  try {
    for (const descriptor of descriptors as readonly ServiceDescriptor<unknown>[]) {
      const db = descriptor.migrations ? await openTestDatabase(descriptor.migrations) : undefined
      if (db) databases.push(db)
      services.set(descriptor.name, await startService(descriptor, { env: platformEnv, db }))
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    services,
    url(name) {
      const service = services.get(name)
      if (!service) throw new Error(`${name} is not part of this platform`)
      return service.url
    },
    close,
  }
}
