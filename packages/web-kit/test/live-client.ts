/** What the live-channel tests share: a subscriber, a raw upgrade request, and a wait for a condition. */
import { request as httpRequest } from 'node:http'

/** A plain WebSocket (Node 24's global client) on the channel at `origin`, with its received messages. */
export async function subscriber(origin: string, topics: string) {
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/live?topics=${topics}`)
  const messages: unknown[] = []
  socket.onmessage = (event) => messages.push(JSON.parse(String(event.data)))
  await new Promise((resolve, reject) => {
    socket.onopen = resolve
    socket.onerror = reject
  })
  return { socket, messages }
}

/**
 * The status of an upgrade request (101 when the server accepts it), and for a refusal its error code and, when
 * the server sent one, its Retry-After.
 */
export function upgrade(origin: string, path: string): Promise<{ status: number; code?: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    })
    req.on('upgrade', (response, socket) => {
      socket.destroy()
      resolve({ status: response.statusCode ?? 0 })
    })
    req.on('response', async (response) => {
      let body = ''
      for await (const chunk of response) body += chunk
      const retryAfter = response.headers['retry-after']
      resolve({
        status: response.statusCode ?? 0,
        code: JSON.parse(body).error.code,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Waits until `check` holds, polling every 10 ms, for at most 5 s. */
export async function until(check: () => boolean, what = 'condition') {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
