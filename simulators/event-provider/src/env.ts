import type { EventProviderOptions } from './app.ts'

/** Where and how the simulator runs, from environment variables (used by main.ts and `kokdala start`). */
export function eventProviderFromEnv(env: Record<string, string | undefined> = process.env) {
  const port = Number(env.EVENT_PROVIDER_PORT ?? 9001)
  const host = env.EVENT_PROVIDER_HOST ?? '127.0.0.1'
  const lag = env.EVENT_PROVIDER_PROJECTION_LAG_MS
  const options: EventProviderOptions = { projectionLagMs: lag === undefined ? undefined : Number(lag) }
  return { port, host, url: `http://${host}:${port}`, options }
}
