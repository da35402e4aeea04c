import { createHash, randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  type ChangeFeed,
  type Clock,
  createDailySchedule,
  createKeyring,
  type DailySchedule,
  type Database,
  type Keyring,
  parseKeyring,
  type Runtime,
} from '@kokdala/core'
import type { WebkassaClient } from '@kokdala/webkassa'
import type { FiscalConfig } from '../../config.ts'
import { createSessionRepository } from './repository.ts'
import { createTokenService } from './service.ts'

export interface TokensModuleDeps {
  config: FiscalConfig
  db: Database
  clock: Clock
  log: { info(object: object, message: string): void; warn(object: object, message: string): void }
  runtime: Runtime
  /** Absent until a Webkassa client is configured: calls then fail with WEBKASSA_NOT_CONFIGURED. */
  client: Pick<WebkassaClient, 'authorize'> | undefined
  /** Changes of the session row (services.ts): lets every call use a copy of the row instead of reading it. */
  changes?: ChangeFeed
  /** The schedule's random delay in [0, 1) (tests fix it). */
  random?: () => number
}

/**
 * Development without FISCAL_TOKEN_KEYS (production refuses to start without them): one fixed, public key, so
 * every local process opens the others' tokens. It protects nothing and is named so in every row it seals.
 */
const DEVELOPMENT_KEYRING: Keyring = createKeyring(
  new Map([['development-only', createHash('sha256').update('kokdala fiscal development key').digest()]]),
)

/** How often the runtime asks the daily schedule whether its moment has come. */
const SCHEDULE_TICK_MS = 30_000

/** The tokens module: the Webkassa session other modules call through, its scheduled refresh, its admin view. */
export function createTokensModule({ config, db, clock, log, runtime, client, changes, random }: TokensModuleDeps) {
  const keyring = config.FISCAL_TOKEN_KEYS ? parseKeyring(config.FISCAL_TOKEN_KEYS) : DEVELOPMENT_KEYRING
  const { FISCAL_WEBKASSA_LOGIN: login, FISCAL_WEBKASSA_PASSWORD: password, FISCAL_WEBKASSA_API_KEY: apiKey } = config
  const configured = client !== undefined && login !== undefined && password !== undefined && apiKey !== undefined
  const base = config.WORKER_ID ?? `${hostname()}:${config.FISCAL_PORT}/fiscal#${config.WORKER_INDEX}`
  const tokens = createTokenService({
    repository: createSessionRepository(db, changes),
    keyring,
    client: client ?? { authorize: async () => ({ kind: 'unknown', reason: 'network' }) },
    credentials: configured ? { login, password } : undefined,
    clock,
    log,
    // Unique per process even when two share a WORKER_ID: the lease names exactly one holder.
    owner: `${base}/${process.pid}.${randomBytes(3).toString('hex')}`,
    leaseMs: Math.max(config.FISCAL_TOKEN_LEASE_MS, config.FISCAL_WEBKASSA_TIMEOUT_MS + 1_000),
    blockMs: config.FISCAL_TOKEN_BLOCK_MINUTES * 60_000,
    retryPauseMs: config.FISCAL_TOKEN_RETRY_PAUSE_MS,
  })
  let schedule: DailySchedule | undefined
  if (config.FISCAL_TOKEN_SCHEDULED_REFRESH) {
    const daily = createDailySchedule({
      clock,
      at: config.FISCAL_TOKEN_REFRESH_AT,
      timeZone: config.FISCAL_TIMEZONE,
      jitterMs: config.FISCAL_TOKEN_REFRESH_JITTER_MINUTES * 60_000,
      random,
      run: async (slot) => {
        const outcome = await tokens.refreshScheduled(slot)
        log.info({ slot: slot.toISOString(), outcome }, 'scheduled webkassa token refresh')
      },
    })
    schedule = daily
    runtime.every('webkassa token schedule', SCHEDULE_TICK_MS, () => daily.tick())
  }
  return {
    /** What other modules call Webkassa through. */
    session: tokens.session,
    tokens,
    schedule,
    nextScheduledRefresh: () => schedule?.nextRunAt ?? null,
  }
}

export type TokensModule = ReturnType<typeof createTokensModule>
