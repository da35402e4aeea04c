/** The first reference for the events benchmark: a bare Fastify hello-world route, no plugins, no logging. */
import Fastify from 'fastify'
import { listenUntilSignal } from './listen.ts'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await listenUntilSignal(app, 18090)
