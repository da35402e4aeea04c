// The browser side of the live channel, served by the server at `<path>/client.js` and importable as an ES module.
// It also runs in Node 24 (global WebSocket), which is how its tests and the PC agent use it.

/**
 * Keeps a live connection open: follows `topics`, calls `onMessage(topic, data)` for each push, and after any drop
 * reconnects with growing, jittered delays. Pushes sent while disconnected are not replayed: a page reloads its
 * state when `onStatus('open')` is called, so the live channel only has to say "something changed, and what".
 * @param {import('./client.d.ts').LiveClientOptions} options
 * @returns {import('./client.d.ts').LiveConnection}
 */
export function connectLive({ url, topics, onMessage, onStatus = () => {}, minDelayMs = 250, maxDelayMs = 10_000 }) {
  const target = typeof location === 'undefined' ? new URL(url) : new URL(url, location.href)
  if (target.protocol === 'http:') target.protocol = 'ws:'
  if (target.protocol === 'https:') target.protocol = 'wss:'
  target.searchParams.set('topics', topics.join(','))
  let socket
  let timer
  let stopped = false
  let failures = 0

  function open() {
    socket = new WebSocket(target)
    socket.onopen = () => {
      failures = 0
      onStatus('open')
    }
    socket.onmessage = (event) => {
      let message
      try {
        message = JSON.parse(event.data)
      } catch {
        return
      }
      if (message && typeof message.topic === 'string') onMessage(message.topic, message.data)
    }
    socket.onclose = () => {
      if (stopped) return
      onStatus('closed')
      // Jitter spreads the reconnects of many screens after a server restart.
      const delay = Math.min(maxDelayMs, minDelayMs * 2 ** failures++)
      timer = setTimeout(open, delay / 2 + (Math.random() * delay) / 2)
    }
  }

  open()
  return {
    close() {
      stopped = true
      clearTimeout(timer)
      socket.close()
    },
  }
}
