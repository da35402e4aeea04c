/**
 * The second reference for the events benchmark: a bare Fastify route (no plugins, no logging, no schema) that
 * answers with the very bytes and content type the service answered for SOURCE_URL, fetched once at start and
 * served on the same path. The work of building the page is thus the same on both sides (none: tickets serves
 * it from its cache too); what separates the service from this is the cost of `createApp` and of its route.
 */
import Fastify from 'fastify'
import { listenUntilSignal } from './listen.ts'

const source = process.env.SOURCE_URL
if (!source) throw new Error('SOURCE_URL (the service URL whose answer this reference replays) is required')
const response = await fetch(source)
if (!response.ok) throw new Error(`${source} answered ${response.status}`)
const contentType = response.headers.get('content-type') ?? 'application/json'
const body = Buffer.from(await response.arrayBuffer())

const app = Fastify({ logger: false })
app.get(new URL(source).pathname, (_request, reply) => {
  reply.type(contentType).send(body)
})
await listenUntilSignal(app, 18091)
