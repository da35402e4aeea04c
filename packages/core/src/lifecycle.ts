/** Something to close on shutdown: an app, a database, a worker. */
export interface Closeable {
  close(): Promise<unknown> | unknown
}

/**
 * Closes everything in order on SIGTERM/SIGINT: first stop accepting requests, then workers, then the database.
 * A second signal exits at once.
 */
export function closeOnSignals(closeables: Closeable[], log: { info(msg: string): void } = { info() {} }): void {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1)
    closing = true
    log.info(`${signal} received, shutting down`)
    for (const item of closeables) await item.close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))
}
