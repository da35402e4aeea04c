/**
 * The webhook benchmark's receiver: a minimal node:http server on loopback that reads each POST's body and answers
 * 200 with no body. It counts what it received; `GET /` answers that count (the bench's readiness check, and
 * how many requests each phase delivered).
 */
import { createServer } from 'node:http'

let received = 0
let bytes = 0
const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ received, bytes }))
    return
  }
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length
  })
  request.on('end', () => {
    received++
    response.writeHead(200, { 'content-length': '0' })
    response.end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 18092), '127.0.0.1')
const stop = () => server.close(() => process.exit(0))
// Keep-alive connections would hold close() open: the benchmark's clients are gone by now.
process.once('SIGTERM', () => {
  server.closeAllConnections()
  stop()
})
process.once('SIGINT', stop)
