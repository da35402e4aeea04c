import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import Fastify from 'fastify'
import { createLiveHub, type LiveSocket, liveChannel, SLOW_CONSUMER_BYTES } from '../src/index.ts'
import { connectLive } from '../src/live/client.js'
import { subscriber as open, until, upgrade as upgradeAt } from './live-client.ts'

const hub = createLiveHub()
const app = Fastify()
await app.register(liveChannel, {
  hub,
  // Everyone may follow "club:*" topics; "secret" is for nobody.
  authorize: (_request, topics) => topics.every((topic) => topic.startsWith('club:')),
})
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
after(() => app.close())
const subscriber = (topics: string) => open(origin, topics)
const upgrade = (path: string) => upgradeAt(origin, path)

test('a push reaches every subscriber of its topic over a real WebSocket, and only them', async () => {
  const [hall, bar, both] = [
    await subscriber('club:hall'),
    await subscriber('club:bar'),
    await subscriber('club:hall,club:bar'),
  ]
  assert.equal(hub.publish('club:hall', { pc: 7, status: 'BUSY' }), 2)
  assert.equal(hub.publish('club:bar', { order: 1 }), 2)
  assert.equal(hub.publish('club:nobody', {}), 0)
  await until(() => hall.messages.length === 1 && bar.messages.length === 1 && both.messages.length === 2, 'pushes')
  assert.deepEqual(hall.messages, [{ topic: 'club:hall', data: { pc: 7, status: 'BUSY' } }])
  assert.deepEqual(bar.messages, [{ topic: 'club:bar', data: { order: 1 } }])
  assert.deepEqual(
    both.messages.map((m) => (m as { topic: string }).topic),
    ['club:hall', 'club:bar'],
  )
  for (const { socket } of [hall, bar, both]) socket.close()
  await until(() => hub.subscribers('club:hall') === 0 && hub.subscribers('club:bar') === 0, 'unsubscribe on close')
})

test('topics are checked before the upgrade: forbidden 403, malformed 400, fine 101', async () => {
  const tooMany = Array.from({ length: 33 }, (_, i) => `club:${i}`).join(',')
  assert.deepEqual(await upgrade('/live?topics=club:hall'), { status: 101 })
  assert.deepEqual(await upgrade('/live?topics=club:hall,secret'), { status: 403, code: 'LIVE_TOPICS_FORBIDDEN' })
  assert.deepEqual(await upgrade('/live?topics=club:%3Cscript%3E'), { status: 400, code: 'LIVE_TOPICS_INVALID' })
  assert.deepEqual(await upgrade(`/live?topics=${tooMany}`), { status: 400, code: 'LIVE_TOPICS_INVALID' })
  assert.deepEqual(await upgrade('/live'), { status: 400, code: 'LIVE_TOPICS_INVALID' })
  assert.equal(hub.subscribers('club:hall'), 0)
})

test('the client snippet is served as JavaScript for pages to import', async () => {
  const response = await fetch(`${origin}/live/client.js`)
  assert.equal(response.status, 200)
  assert.match(String(response.headers.get('content-type')), /^text\/javascript/)
  assert.match(await response.text(), /export function connectLive/)
})

/** A server with its own hub on `port` (0: any), as a service process would run it. */
async function liveServer(port = 0) {
  const ownHub = createLiveHub()
  const server = Fastify()
  await server.register(liveChannel, { hub: ownHub, authorize: () => true })
  await server.listen({ port, host: '127.0.0.1' })
  return { hub: ownHub, server, port: (server.server.address() as AddressInfo).port }
}

test('the client reconnects after a server restart, follows its topics again, and says so', async () => {
  const first = await liveServer()
  const received: unknown[] = []
  const statuses: string[] = []
  const live = connectLive({
    url: `http://127.0.0.1:${first.port}/live`,
    topics: ['club:pc-1'],
    onMessage: (topic, data) => received.push({ topic, data }),
    onStatus: (status) => statuses.push(status),
    minDelayMs: 20,
    maxDelayMs: 100,
  })
  await until(() => first.hub.subscribers('club:pc-1') === 1, 'first connection')
  first.hub.publish('club:pc-1', 'locked')
  await until(() => received.length === 1, 'first push')

  // The process restarts: every connection is cut, and for a while nothing listens on the port.
  await first.server.close()
  await until(() => statuses.includes('closed'), 'the drop')
  await new Promise((resolve) => setTimeout(resolve, 150))
  const second = await liveServer(first.port)
  await until(() => second.hub.subscribers('club:pc-1') === 1, 'reconnection to the new process')
  second.hub.publish('club:pc-1', 'unlocked')
  await until(() => received.length === 2, 'push after reconnection')
  assert.deepEqual(received, [
    { topic: 'club:pc-1', data: 'locked' },
    { topic: 'club:pc-1', data: 'unlocked' },
  ])
  assert.equal(statuses[0], 'open')
  assert.equal(statuses.at(-1), 'open')
  assert.ok(statuses.includes('closed'))

  live.close()
  await until(() => second.hub.subscribers('club:pc-1') === 0, 'close for good')
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.equal(second.hub.subscribers('club:pc-1'), 0, 'no reconnect after close()')
  await second.server.close()
})

test('one live channel per server: a second would route every upgrade twice', async () => {
  const server = Fastify()
  await server.register(liveChannel, { hub: createLiveHub(), authorize: () => true })
  await assert.rejects(
    async () => server.register(liveChannel, { hub: createLiveHub(), path: '/other', authorize: () => true }),
    /one live channel per server/,
  )
})

test('a subscriber that does not read is dropped instead of buffering without bound', () => {
  const local = createLiveHub()
  const closed: number[] = []
  const slow: LiveSocket = {
    bufferedAmount: SLOW_CONSUMER_BYTES + 1,
    send() {},
    close: (code) => closed.push(code ?? 0),
  }
  const sent: string[] = []
  const fast: LiveSocket = { bufferedAmount: 0, send: (frame) => sent.push(frame), close() {} }
  local.add(slow, ['t'])
  local.add(fast, ['t'])
  assert.equal(local.publish('t', 1), 1)
  assert.deepEqual(closed, [1013])
  assert.deepEqual(sent, ['{"topic":"t","data":1}'])
  assert.equal(local.subscribers('t'), 1)
})
