import { type Clock, createApiTokenStore, type Database, systemClock } from '@kokdala/core'
import { createSourceRepository } from './repository.ts'
import { createSourceService } from './service.ts'

/** The seed promises 64-character tokens. */
export const SOURCE_TOKEN_LENGTH = 64

/** The sources module on a database: its token store and its service (the app, the CLI and the demo seed use it). */
export function createSources(db: Database, clock: Clock = systemClock) {
  const tokens = createApiTokenStore({ db, clock, tokenLength: SOURCE_TOKEN_LENGTH })
  const sources = createSourceService({ sources: createSourceRepository(db), tokens, clock })
  return { tokens, sources }
}

/** The demo seed of `npm start`: a source named "demo" and its token, printed once (it is stored only as a hash). */
export async function seedDemoSource(db: Database): Promise<string> {
  const { sources } = createSources(db)
  if (await sources.exists('demo')) return 'demo source exists (its token was printed when it was made)'
  const { token } = await sources.createToken('demo')
  return `demo source "demo", X-API-Token ${token} (shown once)`
}
