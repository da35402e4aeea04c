import cluster from 'node:cluster'
import { closeOnSignals, startService } from '@kokdala/core'
import { applyProfile, descriptorNamed } from '../platform.ts'

/**
 * `kokdala serve <service> [--workers N] [--profile NAME]`: one service (or simulator), N processes sharing its
 * port through node:cluster. Several processes need PostgreSQL; PGlite is one process's embedded database. A
 * profile fills in settings the environment leaves unset (workers inherit them).
 */
export async function serve(name: string | undefined, workers: number, profile?: string) {
  const descriptor = descriptorNamed(name)
  if (profile !== undefined) applyProfile(process.env, descriptor, profile)
  const config = descriptor.loadConfig(process.env)
  const { url } = descriptor.address(config)
  if (workers > 1 && cluster.isPrimary) {
    if (!descriptor.openDatabase || !(config as { DATABASE_URL?: string }).DATABASE_URL) {
      throw new Error('--workers > 1 needs a service on PostgreSQL (DATABASE_URL)')
    }
    // Migrations run once, here, before any worker starts taking requests.
    await (await descriptor.openDatabase(config)).close()
    superviseWorkers(descriptor.name, workers)
    process.stdout.write(`${descriptor.name}: ${workers} workers on ${url}\n`)
    return
  }
  const service = await startService(descriptor, { config })
  if (!cluster.isWorker) process.stdout.write(`${descriptor.name}: listening on ${url}\n`)
  closeOnSignals([service], service.built.app.log)
}

/**
 * Forks the workers and replaces any that dies. Each worker keeps its index for life, and a replacement gets the
 * index of the one it replaces: the service derives its job-table identity from it, so a restarted worker takes
 * back at once the jobs its predecessor held. On a signal the primary lets each worker finish and close, then exits.
 */
function superviseWorkers(name: string, workers: number) {
  const indexOf = new Map<number, number>()
  const fork = (index: number) => indexOf.set(cluster.fork({ WORKER_INDEX: String(index) }).id, index)
  for (let i = 0; i < workers; i++) fork(i)
  let stopping = false
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    if (signal === 'SIGTERM' || signal === 'SIGINT' || code === 0) return
    process.stderr.write(`${name}: worker ${worker.process.pid} died (${signal ?? code}), starting another\n`)
    fork(indexOf.get(worker.id) ?? 0)
    indexOf.delete(worker.id)
  })
  const stopAll = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }
  process.once('SIGTERM', stopAll)
  process.once('SIGINT', stopAll)
}
