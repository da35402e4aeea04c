/**
 * What changed in the database, told to whoever keeps copies of it (caches): the keys that this process changed,
 * at once, and — on PostgreSQL — the keys that any process changed, through `LISTEN` on a channel that the writers
 * `NOTIFY` (`pg_notify` in the change's transaction, or a trigger: PostgreSQL sends it only when that transaction
 * commits). A copy may be trusted only while the feed is `live`: when the listening connection drops, changes can
 * pass unheard, so listeners are reset (they must forget everything) and again when it is back.
 */
import pg from 'pg'

/** Who hears the feed: a change of one key, or "forget everything" (changes may have been missed). */
export interface ChangeListener {
  changed(key: string): void
  reset(): void
}

/** Changes by key, from this process and (on PostgreSQL) from every process; see the top of this file. */
export interface ChangeFeed {
  /** Whether every committed change is heard: false until the first LISTEN succeeds and while it is down. */
  readonly live: boolean
  subscribe(listener: ChangeListener): () => void
  /** A change this process committed: told to the listeners now, without waiting for the notification. */
  changed(key: string): void
  /** Starts listening (PostgreSQL); reconnects on its own until `close`. */
  start(): Promise<void>
  close(): Promise<void>
}

/** Where a change feed listens, and on which channel. */
export interface ChangeFeedOptions {
  /** `postgres://…`: LISTEN there on a connection of its own. Absent: only this process changes the data. */
  url?: string
  /** The channel the writers notify, payload = the key. */
  channel: string
  /** Wait between reconnection attempts. */
  retryMs?: number
  log: { warn(object: object, message: string): void; info?(object: object, message: string): void }
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * A change feed. Without `url` it is live from the start and hears only `changed` (one process owns the data: PGlite,
 * or a test). With `url` it is live only while its LISTEN connection is up.
 */
export function createChangeFeed({ url, channel, retryMs = 1000, log }: ChangeFeedOptions): ChangeFeed {
  if (!CHANNEL.test(channel)) throw new RangeError(`not a plain channel name: ${channel}`)
  const listeners = new Set<ChangeListener>()
  let live = !url
  let closed = false
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let starting: Promise<void> | undefined

  const tell = (key: string) => {
    for (const listener of listeners) listener.changed(key)
  }
  const reset = () => {
    for (const listener of listeners) listener.reset()
  }

  const lost = (lostClient: pg.Client, error?: unknown) => {
    if (client !== lostClient) return
    client = undefined
    live = false
    reset()
    lostClient.end().catch(() => {})
    if (closed) return
    log.warn({ err: error, channel }, 'change feed connection lost; caches off until it is back')
    retry = setTimeout(() => void connect(), retryMs)
    retry.unref()
  }

  async function connect(): Promise<void> {
    retry = undefined
    if (closed || !url) return
    const next = new pg.Client({ connectionString: url, keepAlive: true })
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) tell(message.payload)
    })
    next.on('error', (error) => lost(next, error))
    next.on('end', () => lost(next))
    try {
      await next.connect()
      client = next
      await next.query(`LISTEN ${channel}`)
    } catch (error) {
      if (client === next) lost(next, error)
      else {
        next.end().catch(() => {})
        if (!closed) {
          log.warn({ err: error, channel }, 'change feed could not listen; retrying')
          retry = setTimeout(() => void connect(), retryMs)
          retry.unref()
        }
      }
      return
    }
    if (client !== next || closed) return
    // Whatever changed while nobody listened is unknown: forget it, then trust what is read from now on.
    reset()
    live = true
  }

  return {
    get live() {
      return live
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    changed: tell,
    start() {
      starting ??= connect()
      return starting
    },
    async close() {
      closed = true
      live = !url
      if (retry) clearTimeout(retry)
      const last = client
      client = undefined
      if (url) reset()
      await last?.end().catch(() => {})
    },
  }
}
