/**
 * The events benchmark's third reference, loaded into the tickets process itself with `--import`: once tickets
 * answers SOURCE_URL, a bare Fastify route (no logger, no schema, no hook) on IN_PROCESS_PORT serves those bytes
 * with the same content type on the same path, like `cached-bytes.ts` but sharing tickets' heap, timers, database
 * pool and job worker. Against the cached-bytes process it measures what the process costs a request; against
 * tickets' own route, what `createApp` and the route cost. It closes with the process.
 */
import Fastify from 'fastify'

const source = process.env.SOURCE_URL
const port = Number(process.env.IN_PROCESS_PORT)
if (!source || !port) throw new Error('SOURCE_URL and IN_PROCESS_PORT are required for the in-process reference')

async function fetchWhenUp(): Promise<Response> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await fetch(source!).catch(() => undefined)
    if (response?.ok) return response
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`in-process reference: ${source} did not answer 200 within a minute`)
}

async function start(): Promise<void> {
  const response = await fetchWhenUp()
  const contentType = response.headers.get('content-type') ?? 'application/json'
  const body = Buffer.from(await response.arrayBuffer())
  const app = Fastify({ logger: false })
  app.get(new URL(source!).pathname, (_request, reply) => {
    reply.type(contentType).send(body)
  })
  await app.listen({ port, host: '127.0.0.1' })
}

// Started once this module has loaded: tickets is not listening yet, so the fetch retries until it is.
setTimeout(() => {
  start().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}, 0).unref()
