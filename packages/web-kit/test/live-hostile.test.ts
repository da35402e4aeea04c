import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import Fastify from 'fastify'
import { createLiveHub, liveChannel } from '../src/index.ts'
import { subscriber as open, until, upgrade as upgradeAt } from './live-client.ts'

const hub = createLiveHub()
const app = Fastify()
await app.register(liveChannel, { hub, authorize: () => true, maxConnections: 3 })
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
after(() => app.close())
const subscriber = async (topics: string) => (await open(origin, topics)).socket
const upgrade = (path: string) => upgradeAt(origin, path)

test('a flood of sockets is refused beyond the limit with 503 LIVE_BUSY, and room returns when one closes', async () => {
  const sockets = [await subscriber('a'), await subscriber('b'), await subscriber('c')]
  const refused = await upgrade('/live?topics=d')
  assert.deepEqual(refused, { status: 503, code: 'LIVE_BUSY', retryAfter: '5' })
  assert.equal(hub.subscribers('d'), 0)
  sockets[0].close()
  await until(() => hub.subscribers('a') === 0)
  const fourth = await subscriber('d')
  assert.equal(hub.subscribers('d'), 1)
  for (const socket of [...sockets.slice(1), fourth]) socket.close()
  await until(() => hub.subscribers('b') + hub.subscribers('c') + hub.subscribers('d') === 0)
})

test('topic floods and oversized frames: 33 topics or a 101-character topic is 400; a 2 KB frame closes the socket', async () => {
  const many = Array.from({ length: 33 }, (_, i) => `t${i}`).join(',')
  assert.equal((await upgrade(`/live?topics=${many}`)).code, 'LIVE_TOPICS_INVALID')
  assert.equal((await upgrade(`/live?topics=${'x'.repeat(101)}`)).code, 'LIVE_TOPICS_INVALID')
  assert.equal((await upgrade('/live?topics=a&topics=b')).status, 400)
  const socket = await subscriber('big')
  const closed = new Promise<number>((resolve) => {
    socket.onclose = (event) => resolve(event.code)
  })
  socket.send('x'.repeat(2048))
  assert.equal(await closed, 1009, 'message too big')
  await until(() => hub.subscribers('big') === 0)
})
