export * from './auth.ts'
export * from './circuit-breaker.ts'
export * from './clock.ts'
export * from './config.ts'
export * from './db.ts'
export * from './errors.ts'
export * from './http.ts'
export * from './idempotency.ts'
export * from './ids.ts'
export * from './jobs.ts'
export * from './lifecycle.ts'
export * from './money.ts'
export * from './outbound.ts'

import { fileURLToPath } from 'node:url'
/** The core migrations (job/outbox table) that every service applies before its own. */
export const coreMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url))
export * from './batcher.ts'
export * from './schemas.ts'
