import { bindRuntime, createRuntime, defineService } from '@kokdala/core'
import { buildEventProviderApp } from './app.ts'
import { eventProviderFromEnv } from './env.ts'

type EventProviderConfig = ReturnType<typeof eventProviderFromEnv>

/** The Event Provider simulator as the platform's tools see it; it keeps its state in memory. */
export const eventProviderService = defineService<EventProviderConfig>({
  name: 'event-provider',
  role: 'simulator',
  loadConfig: (env) => eventProviderFromEnv(env),
  address: ({ host, port, url }) => ({ host, port, url }),
  portVariable: 'EVENT_PROVIDER_PORT',
  // A service started beside it takes its seats of event 1 from here.
  wire(env) {
    env.EVENT_PROVIDER_URL ??= eventProviderFromEnv(env).url
  },
  async build({ config }) {
    const app = buildEventProviderApp(config.options)
    const runtime = createRuntime(app.log)
    bindRuntime(app, runtime)
    return { app, runtime }
  },
  describe: ({ url }) => [`${url}/api/partners/v1/places   faults ${url}/__sim/faults`],
})
