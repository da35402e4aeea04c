import type { AddressInfo } from 'node:net'
import { closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'

/** What the runner needs of a simulator's Fastify app, whatever its type provider and decorations. */
export interface SimulatorApp {
  listen(options: { port: number; host: string; backlog?: number }): Promise<string>
  close(): PromiseLike<unknown>
  server: { address(): AddressInfo | string | null }
}

/** A simulator ready to run: where it listens and how to build it. */
export interface RunnableSimulator<A extends SimulatorApp = SimulatorApp> {
  /** Names it in messages, e.g. `event provider simulator`. */
  name: string
  host: string
  port: number
  /** The address clients use, when it differs from `http://host:port` (e.g. behind a proxy). */
  url?: string
  build(): A | Promise<A>
  /** What to add after the URL once it listens, e.g. `(100000 places)`. */
  describe?(app: A): string
}

/** A simulator listening on its port. */
export interface RunningSimulator<A extends SimulatorApp = SimulatorApp> {
  name: string
  app: A
  url: string
  close(): Promise<void>
}

/** Builds the simulator and listens on its port (what `kokdala start` and tests do, several in one process). */
export async function runSimulator<A extends SimulatorApp>(
  simulator: RunnableSimulator<A>,
): Promise<RunningSimulator<A>> {
  const app = await simulator.build()
  await app.listen({ port: simulator.port, host: simulator.host, backlog: LISTEN_BACKLOG })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : simulator.port
  return {
    name: simulator.name,
    app,
    url: simulator.url ?? `http://${simulator.host}:${port}`,
    close: async () => {
      await app.close()
    },
  }
}

/**
 * Runs one simulator as its own process (its `main.ts`): listens, prints where, and closes gracefully on SIGINT or
 * SIGTERM — in-flight calls finish, held `timeout` faults are dropped — before exiting.
 */
export async function runStandalone<A extends SimulatorApp>(
  simulator: RunnableSimulator<A>,
  out: { write(text: string): unknown } = process.stdout,
): Promise<RunningSimulator<A>> {
  const running = await runSimulator(simulator)
  closeOnSignals([running])
  const details = simulator.describe?.(running.app)
  out.write(`${simulator.name} listening on ${running.url}${details ? ` ${details}` : ''}\n`)
  return running
}
