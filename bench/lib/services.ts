import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cliPath = 'apps/cli/src/main.ts'

export interface RunningService {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

export interface ServeOptions {
  /** Processes (`--workers`); more than one needs PostgreSQL. */
  workers?: number
  /** A profile of the service's descriptor (`--profile`). */
  profile?: string
  /** The path that answers 200 once it is ready. */
  readyPath?: string
  /** Another checkout of the platform to run (a before/after comparison); this one by default. */
  checkout?: string
  /** Node arguments before the script, after BENCH_NODE_ARGS' (e.g. `--import` of a reference to run inside). */
  nodeArgs?: string[]
}

/**
 * Starts `kokdala serve <name>` — any service or simulator of the platform's list, by name — in a child process
 * with `env` on top of this one's, and waits until `readyPath` answers. `portVariable` is the descriptor's.
 */
export async function startServed(
  name: string,
  portVariable: string,
  port: string,
  env: Record<string, string> = {},
  { workers = 1, profile, readyPath = '/health', checkout = root, nodeArgs = [] }: ServeOptions = {},
): Promise<RunningService> {
  // BENCH_NODE_ARGS passes flags such as --cpu-prof to the service's Node (NODE_OPTIONS refuses some of them).
  const benchNodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const args = [...benchNodeArgs, ...nodeArgs, join(checkout, cliPath), 'serve', name, '--workers', String(workers)]
  if (profile) args.push('--profile', profile)
  return spawnReady(
    args,
    checkout,
    { LOG_LEVEL: 'warn', ...env, [portVariable]: port },
    `http://127.0.0.1:${port}`,
    readyPath,
  )
}

/**
 * Tickets as the benchmarks replay the HackLoad scenarios: `--profile hackload`, whose public reset they use.
 */
export function startTickets(
  env: Record<string, string>,
  workers = 1,
  checkout?: string,
  nodeArgs?: string[],
): Promise<RunningService> {
  return startServed('tickets', 'TICKETS_PORT', env.TICKETS_PORT ?? '18080', env, {
    workers,
    profile: 'hackload',
    checkout,
    nodeArgs,
  })
}

/** A simulator of the platform by name, on its own port, ready when its `/__sim/health` answers. */
export function startSimulator(name: string, portVariable: string, port: string, env: Record<string, string> = {}) {
  return startServed(name, portVariable, port, env, { readyPath: '/__sim/health' })
}

/** Starts a Node script (e.g. the bare Fastify reference) and waits until `readyPath` answers. */
export function startScript(script: string, env: Record<string, string>, url: string, readyPath = '/') {
  return spawnReady([script], root, env, url, readyPath)
}

/** Runs Node with `args` and this process's environment plus `env`, and waits until `url` + `readyPath` answers. */
async function spawnReady(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  url: string,
  readyPath: string,
): Promise<RunningService> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    // stdout (request logs) would cost the benchmark more than it tells; errors still show.
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitForHealth(url, child, readyPath)
  return { url, process: child, stop: () => stopChild(child) }
}

/** Waits until the service reports a load of event 1's places newer than `after` (seconds since the epoch). */
export async function placesLoaded(url: string, after: number) {
  const deadline = Date.now() + 300_000
  while (Date.now() < deadline) {
    const text = await (await fetch(`${url}/metrics`)).text()
    const loadedAt = Number(/^provider_places_loaded_timestamp_seconds\S* (\S+)/m.exec(text)?.[1] ?? 0)
    if (loadedAt > after) return
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error('event 1 places were not loaded in time')
}

/** Waits until `url` + `path` answers 200, failing if `child` (the process that should answer) exits first. */
export async function waitForHealth(url: string, child: ChildProcess, path = '/health') {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before it was ready`)
    try {
      const response = await fetch(`${url}${path}`)
      if (response.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url}${path} did not become ready in time`)
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
