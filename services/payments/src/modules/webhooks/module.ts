import { type Clock, createWebhookDeliveryJob, type Database, WEBHOOK_DELIVERY_JOB } from '@kokdala/core'
import type { PaymentsConfig } from '../../config.ts'
import { createPaymentWebhookEvents } from './events.ts'
import { type FiscalFeed, syncFiscalFeed } from './fiscal-feed.ts'
import { createWebhookAdmin } from './service.ts'

export interface WebhooksModuleDeps {
  config: PaymentsConfig
  db: Database
  clock: Clock
  /** Reports events whose webhook cannot be sent (an unusable URL); optional so tests may leave it out. */
  log?: { warn(object: object, message: string): void }
}

/** The retry schedule of the configuration: delays in ms between attempts (about 3 days in all by default). */
export function retryScheduleOf(config: PaymentsConfig): number[] {
  return config.PAYMENTS_WEBHOOK_RETRY_SCHEDULE_MS.split(',').map(Number)
}

/** The operator's fiscal feed of the configuration, when both of its settings are given. */
export function fiscalFeedOf(config: PaymentsConfig): FiscalFeed | undefined {
  const url = config.PAYMENTS_FISCAL_WEBHOOK_URL
  const secret = config.PAYMENTS_FISCAL_WEBHOOK_SECRET
  return url && secret ? { url, secret } : undefined
}

/**
 * The payments' webhooks: `events` for the payments module (an outbox row in its transaction), the delivery job
 * for the service's worker, and `admin` for the admin API and the CLI.
 */
export function createWebhooksModule({ config, db, clock, log }: WebhooksModuleDeps) {
  const allowPrivateNetworks = config.PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS
  const fiscalFeed = fiscalFeedOf(config)
  return {
    events: createPaymentWebhookEvents({ clock, allowPrivateNetworks, log, fiscalFeed }),
    /** At start: the fiscal feed's endpoint signs with the configured secret (a changed one is rotated in). */
    syncFiscalFeed: async () => (fiscalFeed ? syncFiscalFeed(db, fiscalFeed, clock) : false),
    admin: createWebhookAdmin({ db, clock, allowPrivateNetworks }),
    jobs: {
      [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({
        db,
        clock,
        retrySchedule: retryScheduleOf(config),
        timeoutMs: config.PAYMENTS_WEBHOOK_TIMEOUT_MS,
      }),
    },
  }
}

export type WebhooksModule = ReturnType<typeof createWebhooksModule>
