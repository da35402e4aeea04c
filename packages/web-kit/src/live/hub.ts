/** What the hub needs of a connection: `ws`'s WebSocket, or a fake in tests. */
export interface LiveSocket {
  send(data: string): void
  close(code?: number, reason?: string): void
  readonly bufferedAmount: number
}

/** A client that has not read this much of what was sent to it is dropped; its client reconnects and catches up. */
export const SLOW_CONSUMER_BYTES = 1 << 20

/** Per-topic fan-out of pushes to the connections subscribed to each topic, within one process. */
export interface LiveHub {
  /** Sends `data` (as JSON) to every subscriber of `topic`; returns how many it reached. */
  publish(topic: string, data: unknown): number
  /** Subscribes a connection to topics until `remove`. */
  add(socket: LiveSocket, topics: readonly string[]): void
  remove(socket: LiveSocket): void
  subscribers(topic: string): number
}

export function createLiveHub(): LiveHub {
  const byTopic = new Map<string, Set<LiveSocket>>()
  const topicsOf = new Map<LiveSocket, readonly string[]>()

  function remove(socket: LiveSocket) {
    for (const topic of topicsOf.get(socket) ?? []) {
      const sockets = byTopic.get(topic)
      sockets?.delete(socket)
      if (sockets?.size === 0) byTopic.delete(topic)
    }
    topicsOf.delete(socket)
  }

  return {
    publish(topic, data) {
      const sockets = byTopic.get(topic)
      if (!sockets) return 0
      // Serialised once, whatever the number of subscribers.
      const frame = JSON.stringify({ topic, data })
      let reached = 0
      for (const socket of [...sockets]) {
        if (socket.bufferedAmount > SLOW_CONSUMER_BYTES) {
          remove(socket)
          socket.close(1013, 'slow consumer')
          continue
        }
        socket.send(frame)
        reached++
      }
      return reached
    },
    add(socket, topics) {
      remove(socket)
      topicsOf.set(socket, topics)
      for (const topic of topics) {
        const sockets = byTopic.get(topic) ?? new Set()
        sockets.add(socket)
        byTopic.set(topic, sockets)
      }
    },
    remove,
    subscribers: (topic) => byTopic.get(topic)?.size ?? 0,
  }
}
