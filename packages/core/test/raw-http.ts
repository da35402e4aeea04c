import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Milliseconds from writing the request to the complete answer. */
  ms: number
}

/**
 * Writes raw bytes to a fresh TCP connection and reads one HTTP/1.1 answer. `inject()` never runs Node's HTTP
 * parser, so malformed requests (bad header bytes, oversized headers, timeouts) can only be tested this way.
 */
export function rawRequest(port: number, bytes: string, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const socket = connect(port, '127.0.0.1')
    let data = Buffer.alloc(0)
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      const response = parse(data)
      if (!response && !error) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (response) resolve({ ...response, ms: performance.now() - started })
      else reject(error)
    }
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs)
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      finish()
    })
    socket.on('error', (error) => finish(error))
    socket.on('close', () => finish(new Error(`connection closed after ${data.length} bytes: ${data.toString()}`)))
    socket.write(bytes, 'latin1')
  })
}

function parse(data: Buffer): Omit<RawResponse, 'ms'> | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  const body = data.subarray(end + 4)
  if (body.length < length) return undefined
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8') }
}
