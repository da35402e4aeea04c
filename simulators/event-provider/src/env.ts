import { loadConfig } from '@kokdala/core'
import { controlRoutesEnabled, listenSettings, type RunnableSimulator, SimControlSettings } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import { buildEventProviderApp, type EventProviderApp, type EventProviderOptions } from './app.ts'

/** The simulator's environment, read with core `loadConfig` (every problem listed at start). */
export const EventProviderConfig = Type.Object({
  ...listenSettings('EVENT_PROVIDER', 9001),
  EVENT_PROVIDER_PROJECTION_LAG_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  ...SimControlSettings,
})

/** Where and how the simulator runs, from environment variables (used by main.ts and `kokdala start`). */
export function eventProviderFromEnv(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(EventProviderConfig, env)
  const port = config.EVENT_PROVIDER_PORT
  const host = config.EVENT_PROVIDER_HOST
  const options: EventProviderOptions = {
    projectionLagMs: config.EVENT_PROVIDER_PROJECTION_LAG_MS,
    controlRoutes: controlRoutesEnabled(config),
  }
  return { port, host, url: `http://${host}:${port}`, options }
}

/** The simulator as the sim-kit runner starts it (`main.ts`, `kokdala start`). */
export function eventProviderSimulator(
  env: Record<string, string | undefined> = process.env,
): RunnableSimulator<EventProviderApp> {
  const { port, host, url, options } = eventProviderFromEnv(env)
  return {
    name: 'event provider simulator',
    port,
    host,
    url,
    build: () => buildEventProviderApp(options),
    describe: (app) => `(${app.simulator.state.placeCount()} places)`,
  }
}
