import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import websocket from '@fastify/websocket'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LiveHub } from './hub.ts'

/** Topic names: letters, digits and `:._/-`, at most 32 of them a connection, comma-separated in `?topics=`. */
const TOPICS_PATTERN = '^[A-Za-z0-9:._/-]{1,100}(,[A-Za-z0-9:._/-]{1,100}){0,31}$'
const HEARTBEAT_MS = 25_000
const CLIENT_SCRIPT = readFileSync(new URL('./client.js', import.meta.url), 'utf8')
const claimedServers = new WeakSet<object>()

export interface LiveChannelOptions {
  hub: LiveHub
  /** The WebSocket's path; the browser client is served at `<path>/client.js`. */
  path?: string
  /** Whether this request may follow these topics (a PC's lock screen only its own PC, say). */
  authorize: (request: FastifyRequest, topics: readonly string[]) => boolean | Promise<boolean>
  /** How often dead connections are looked for (ping, then dropped without a pong). */
  heartbeatMs?: number
  /**
   * How many connections the channel holds at once; more upgrades are refused with 503 `LIVE_BUSY` and
   * `Retry-After`, so a flood of sockets cannot take the process's memory and file descriptors. 10 000 by default.
   */
  maxConnections?: number
}

const DEFAULT_MAX_CONNECTIONS = 10_000
/** Seconds a refused client is asked to wait; the browser client's own back-off spreads the reconnects too. */
const BUSY_RETRY_AFTER_SECONDS = 5

/**
 * Answers an upgrade request with an error and closes the connection once the answer is out. Going through
 * `reply.send` would race `@fastify/websocket`, which destroys the socket when the response finishes, and the client
 * would often see a reset instead of the status.
 */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  retryAfterSeconds?: number,
) {
  const answer = { error: { code, message } }
  if (!request.ws) {
    if (retryAfterSeconds !== undefined) reply.header('retry-after', retryAfterSeconds)
    return reply.status(status).send(answer)
  }
  const body = JSON.stringify(answer)
  const retryAfter = retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`
  reply.hijack()
  request.raw.socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n${retryAfter}` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  return reply
}

/**
 * A live channel: `GET <path>?topics=a,b` upgrades to a WebSocket that receives `{ topic, data }` for every
 * `hub.publish` on its topics. Topics are fixed per connection and checked before the upgrade (400
 * `LIVE_TOPICS_INVALID`, 403 `LIVE_TOPICS_FORBIDDEN`); the server sends, clients only listen, and a client that wants other topics reconnects.
 *
 * It stays encapsulated (no fastify-plugin): `@fastify/websocket` wraps every route handler and adds two request
 * hooks in the context it is registered in, which must not reach a service's other routes. One channel per
 * server: topics multiplex, and a second one would route every upgrade twice.
 */
export const liveChannel: FastifyPluginAsync<LiveChannelOptions> = async (
  app,
  { hub, path = '/live', authorize, heartbeatMs = HEARTBEAT_MS, maxConnections = DEFAULT_MAX_CONNECTIONS },
) => {
  if (claimedServers.has(app.server)) throw new Error('one live channel per server: follow more topics on it instead')
  claimedServers.add(app.server)
  // Clients send nothing; a small limit keeps a hostile frame from costing memory.
  await app.register(websocket, { options: { maxPayload: 1024 } })
  let open = 0

  app.get(`${path}/client.js`, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(CLIENT_SCRIPT),
  )

  app.get<{ Querystring: { topics: string } }>(
    path,
    {
      websocket: true,
      // Refused here, not by the error handler, so the status reaches the client (see `refuse`).
      attachValidation: true,
      schema: {
        querystring: {
          type: 'object',
          required: ['topics'],
          properties: { topics: { type: 'string', pattern: TOPICS_PATTERN } },
        },
      },
      preHandler: async (request, reply) => {
        if (open >= maxConnections) {
          const message = 'Too many live connections; try again later'
          return refuse(request, reply, 503, 'LIVE_BUSY', message, BUSY_RETRY_AFTER_SECONDS)
        }
        if (request.validationError) {
          return refuse(request, reply, 400, 'LIVE_TOPICS_INVALID', 'topics: 1 to 32 names of [A-Za-z0-9:._/-]')
        }
        if (!(await authorize(request, request.query.topics.split(',')))) {
          return refuse(request, reply, 403, 'LIVE_TOPICS_FORBIDDEN', 'This connection may not follow these topics')
        }
      },
    },
    (socket, request) => {
      // Upgrades that passed the check together may overshoot by a few; those are closed at once.
      if (open >= maxConnections) return socket.close(1013, 'too many connections')
      open++
      hub.add(socket, [...new Set(request.query.topics.split(','))])
      let alive = true
      socket.on('pong', () => {
        alive = true
      })
      const heartbeat = setInterval(() => {
        if (!alive) return socket.terminate()
        alive = false
        socket.ping()
      }, heartbeatMs)
      heartbeat.unref()
      socket.on('close', () => {
        open--
        clearInterval(heartbeat)
        hub.remove(socket)
      })
    },
  )
}
