export interface LiveClientOptions {
  /** The channel's URL (`/live` in a page, an absolute `ws://`/`http://` URL elsewhere). */
  url: string
  topics: readonly string[]
  onMessage: (topic: string, data: unknown) => void
  /** Called on every open (reload state then) and every drop. */
  onStatus?: (status: 'open' | 'closed') => void
  minDelayMs?: number
  maxDelayMs?: number
}

export interface LiveConnection {
  /** Closes for good: no reconnect follows. */
  close(): void
}

/** Keeps a live connection open, reconnecting after drops. */
export function connectLive(options: LiveClientOptions): LiveConnection
