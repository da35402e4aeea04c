import type { ChangeFeed, Clock, Database, Tiyn } from '@kokdala/core'
import type { MethodService } from '../methods/service.ts'
import type { PaymentEvents } from './events.ts'
import type { TerminalPool } from './terminal-pool.ts'

/** What the payments module's services are built from (services.ts wires them). */
export interface PaymentDeps {
  db: Database
  clock: Clock
  methods: MethodService
  pool: TerminalPool
  events: PaymentEvents
  /**
   * Changes of payments, by transaction id: this process tells it what it changed (after the transaction), and it
   * tells the status cache, with what other processes changed (migration 007's notifications) when it listens.
   */
  changes: ChangeFeed
  /** How many payments' answers the status cache keeps (0: no cache). */
  statusCacheSize: number
  /** The largest amount a payment may ask for (PAYMENTS_MAX_AMOUNT). */
  maxAmountTiyn: Tiyn
  /** How long a new payment can be paid (its expires_at). */
  lifetimeMs: number
  /** Whether webhook URLs may name loopback and private addresses (PAYMENTS_WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateWebhookUrls: boolean
  log: {
    warn(object: object, message: string): void
    error(object: object, message: string): void
  }
}
