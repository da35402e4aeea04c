import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface RunningService {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts `kokdala serve tickets --profile hackload` in a child process and waits until /health answers: the
 * benchmarks replay the HackLoad scenarios, which reset the service through the contract's public reset.
 */
export async function startTickets(
  env: Record<string, string>,
  workers = 1,
  /** Another checkout's tickets (a before/after comparison); this one by default. */
  checkout = root,
): Promise<RunningService> {
  const port = env.TICKETS_PORT ?? '18080'
  // BENCH_NODE_ARGS passes flags such as --cpu-prof to the service's Node (NODE_OPTIONS refuses some of them).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(checkout, 'apps/cli/src/main.ts'),
      'serve',
      'tickets',
      '--workers',
      String(workers),
      '--profile',
      'hackload',
    ],
    {
      cwd: checkout,
      env: { ...process.env, LOG_LEVEL: 'warn', TICKETS_PORT: port, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  await waitForHealth(url, child)
  return { url, process: child, stop: () => stopChild(child) }
}

/** Starts a Node script (e.g. the bare Fastify reference) and waits until `readyPath` answers. */
export async function startScript(script: string, env: Record<string, string>, url: string, readyPath = '/') {
  // stdout (request logs of simulators) would cost the benchmark more than it tells; errors still show.
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
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

async function waitForHealth(url: string, child: ChildProcess, path = '/health') {
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
