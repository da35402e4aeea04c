import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CoreError, type ErrorCatalogue } from './errors.ts'
import type { ErrorEnvelope } from './http.ts'

/**
 * Node's HTTP parser errors by their stable code. Node raises them on the socket before any request exists, so
 * neither routes nor the app's error handler see them; Fastify's default answers them in its own body shape.
 */
function parserErrorCode(error: ConnectionError): string {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE'
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT'
    default:
      return 'BAD_REQUEST'
  }
}

/**
 * The server's `clientErrorHandler`: answers parser errors (oversized headers, bad header bytes, a malformed
 * request line or body framing, a request that did not arrive in time) with the `{ error: { code, message } }`
 * envelope and counts them in `http_errors_total`. The connection is closed afterwards, as Node does, because
 * the parser cannot tell where the next request would start.
 */
export function createClientErrorHandler(catalogue: ErrorCatalogue, envelope: ErrorEnvelope) {
  return function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const code = parserErrorCode(error)
    this.countError(code)
    this.log.debug({ err: error, code }, 'client error before routing')
    // Node's own rule: answer only when no response of an earlier request on this keep-alive connection has
    // started, or its bytes and ours would interleave. `_httpMessage` is the response Node attaches to the socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (socket.writable && !inFlight?.headersSent) {
      const definition = catalogue[code]
      const body = JSON.stringify(envelope({ code, message: definition.message }, definition.status))
      socket.write(
        `HTTP/1.1 ${definition.status} ${STATUS_CODES[definition.status]}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      )
    }
    socket.destroy(error)
  }
}

/**
 * The server's `frameworkErrors`: errors Fastify raises while routing, before any hook runs (a malformed
 * percent-encoding in the path, a path parameter beyond `maxParamLength`, a failing async constraint), turned
 * into the catalogue's codes and handed to the app's one error answer (`send`), so they get the same envelope
 * and counter as every other error.
 */
export function createFrameworkErrorHandler(
  send: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void,
) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    if (error.code === 'FST_ERR_BAD_URL')
      send(new CoreError('BAD_REQUEST', 'The request path is not valid percent-encoding'), request, reply)
    else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') send(new CoreError('URI_TOO_LONG'), request, reply)
    else send(error, request, reply)
  }
}
