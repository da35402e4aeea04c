// The job/outbox table's public API; each part lives in jobs/ (see jobs/README.md).
export * from './jobs/admin.ts'
export * from './jobs/define.ts'
export * from './jobs/enqueue.ts'
export * from './jobs/metrics.ts'
export * from './jobs/worker.ts'
