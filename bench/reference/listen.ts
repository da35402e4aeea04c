import type { FastifyInstance } from 'fastify'

/**
 * Listens on loopback at PORT (or `defaultPort`) and exits once closed on SIGTERM or SIGINT: the benchmarks stop
 * their references with SIGTERM and wait for the exit, so a reference must never outlive its run.
 */
export async function listenUntilSignal(app: FastifyInstance, defaultPort: number): Promise<void> {
  await app.listen({ port: Number(process.env.PORT ?? defaultPort), host: '127.0.0.1' })
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
