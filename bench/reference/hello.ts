/** The reference for the events benchmark: a bare Fastify hello-world route, no plugins, no logging. */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT ?? 18090), host: '127.0.0.1' })
