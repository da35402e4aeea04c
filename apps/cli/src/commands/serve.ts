import cluster from 'node:cluster'
import { closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'
import { type ServiceName, services } from './services.ts'

/**
 * `kokdala serve <service> [--workers N] [--profile NAME]`: one service, N processes sharing its port through
 * node:cluster. Several processes need PostgreSQL; PGlite is one process's embedded database. A profile fills in
 * settings the environment leaves unset (workers inherit them).
 */
export async function serve(name: ServiceName, workers: number, profile?: string) {
  const service = services[name]
  if (profile !== undefined) {
    const defaults = service.profiles[profile]
    if (!defaults) {
      throw new Error(`unknown profile ${JSON.stringify(profile)}; known: ${Object.keys(service.profiles).join(', ')}`)
    }
    for (const [key, value] of Object.entries(defaults)) process.env[key] ??= value
  }
  const config = service.loadConfig()
  if (workers > 1 && !config.DATABASE_URL) throw new Error('--workers > 1 needs DATABASE_URL (PostgreSQL)')
  if (workers > 1 && cluster.isPrimary) {
    // Migrations run once, here, before any worker starts taking requests.
    await (await service.openDatabase(config)).close()
    // Each worker keeps its index for life, and a replacement gets the index of the one it replaces: the service
    // derives its job-table identity from it, so a restarted worker takes back at once the jobs its predecessor held.
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
    // The primary owns the workers: on a signal it lets each finish its requests and close, then exits.
    const stopAll = () => {
      stopping = true
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    }
    process.once('SIGTERM', stopAll)
    process.once('SIGINT', stopAll)
    process.stdout.write(`${name}: ${workers} workers on http://${hostPort(config)}\n`)
    return
  }
  const { app } = await service.build({ config })
  await app.listen({ port: config.TICKETS_PORT, host: config.TICKETS_HOST, backlog: LISTEN_BACKLOG })
  if (!cluster.isWorker) process.stdout.write(`${name}: listening on http://${hostPort(config)}\n`)
  closeOnSignals([app], app.log)
}

function hostPort(config: { TICKETS_HOST: string; TICKETS_PORT: number }) {
  return `${config.TICKETS_HOST}:${config.TICKETS_PORT}`
}
