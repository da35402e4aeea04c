/**
 * What a service runs besides answering requests — its job workers, its periodic tasks (expiry sweeps, cleanups)
 * and its start-up loads — and what it closes on shutdown, in one place. A service declares them while it is
 * built; `start()` sets them going (tests that drive time by hand never call it) and `stop()` undoes everything
 * in reverse order, so nothing a service starts can outlive it.
 */
import type { Closeable } from './lifecycle.ts'

/** A loop that starts and stops, such as a job worker. `start` may report how many jobs it took back. */
export interface Startable {
  start(): Promise<unknown> | unknown
  stop(): Promise<unknown> | unknown
}

/** Where the runtime reports a failed task: the service's logger. */
export interface RuntimeLog {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

/** The logger a service hands its modules (Fastify's pino logger fits it; tests pass a recorder). */
export interface ServiceLog extends RuntimeLog {
  error(object: object, message: string): void
}

export interface Runtime {
  /** Runs `task` every `everyMs` once started; a failure is logged and the next round runs as planned. */
  every(name: string, everyMs: number, task: () => Promise<unknown>): void
  /** Runs `task` once at start, without waiting for it (a long load must not hold the service's start). */
  atStart(name: string, task: () => Promise<unknown>): void
  /** Starts with the runtime and stops before anything is closed (job workers). */
  loop(name: string, loop: Startable): void
  /** Closed on stop, after every loop and task has stopped, last added first. */
  closeWith(closeable: Closeable): void
  start(): Promise<void>
  stop(): Promise<void>
  /** Whether `start()` has run and `stop()` has not. */
  readonly running: boolean
}

interface Periodic {
  name: string
  everyMs: number
  task: () => Promise<unknown>
  timer?: NodeJS.Timeout
  /** A round still running when the next is due is not started twice. */
  busy: boolean
}

export function createRuntime(log: RuntimeLog): Runtime {
  const periodic: Periodic[] = []
  const startTasks: { name: string; task: () => Promise<unknown> }[] = []
  const loops: { name: string; loop: Startable }[] = []
  const closeables: Closeable[] = []
  let running = false
  let stopped: Promise<void> | undefined

  const runRound = (entry: Periodic) => {
    if (entry.busy) return
    entry.busy = true
    entry
      .task()
      .catch((error) => log.warn({ err: error, task: entry.name }, `${entry.name} failed`))
      .finally(() => {
        entry.busy = false
      })
  }

  return {
    every(name, everyMs, task) {
      if (!(everyMs > 0)) throw new RangeError(`${name}: interval must be positive, got ${everyMs}`)
      periodic.push({ name, everyMs, task, busy: false })
    },
    atStart(name, task) {
      startTasks.push({ name, task })
    },
    loop(name, loop) {
      loops.push({ name, loop })
    },
    closeWith(closeable) {
      closeables.push(closeable)
    },
    get running() {
      return running
    },
    async start() {
      if (running || stopped) return
      running = true
      for (const { name, task } of startTasks) {
        task().catch((error) => log.warn({ err: error, task: name }, `${name} failed`))
      }
      for (const { name, loop } of loops) {
        const result = await Promise.resolve(loop.start()).catch((error) => {
          log.warn({ err: error, loop: name }, `${name} could not start cleanly`)
          return undefined
        })
        if (typeof result === 'number' && result > 0) log.info({ loop: name, reclaimed: result }, `${name} resumed`)
      }
      for (const entry of periodic) {
        entry.timer = setInterval(() => runRound(entry), entry.everyMs)
        // A periodic task never keeps the process alive on its own.
        entry.timer.unref()
      }
    },
    stop() {
      stopped ??= (async () => {
        running = false
        for (const entry of periodic) clearInterval(entry.timer)
        for (const { loop } of [...loops].reverse()) await loop.stop()
        for (const closeable of [...closeables].reverse()) await closeable.close()
      })()
      return stopped
    },
  }
}

/** The part of a Fastify app a runtime needs: its lifecycle hooks. */
interface HookableApp {
  addHook(name: 'onReady' | 'onClose', hook: () => Promise<void>): unknown
}

/**
 * Ties a runtime to the app it serves beside: it starts once the app is ready (unless `background` is false, as in
 * tests that drive time and jobs by hand) and stops, closing what it owns, when the app closes.
 */
export function bindRuntime(app: HookableApp, runtime: Runtime, { background = true } = {}): void {
  if (background) app.addHook('onReady', () => runtime.start())
  app.addHook('onClose', () => runtime.stop())
}
