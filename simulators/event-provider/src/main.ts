import { buildEventProviderApp } from './app.ts'
import { eventProviderFromEnv } from './env.ts'

const { port, host, url, options } = eventProviderFromEnv()
const app = buildEventProviderApp(options)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0))
  })
}

await app.listen({ port, host })
process.stdout.write(`event provider simulator listening on ${url} (${app.simulator.state.placeCount()} places)\n`)
