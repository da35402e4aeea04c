import { randomBytes } from 'node:crypto'
import { checkWebhookUrl, createBatcher, createNotifiedCache, type Queryable, type Tiyn } from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'
import { parseAmount } from './amounts.ts'
import type { AttemptService } from './attempts.ts'
import type { PaymentDeps } from './deps.ts'
import { totalsOf } from './ledger.ts'
import { createPaymentRepository, type NewPayment, type PaymentRepository, type PaymentRow } from './repository.ts'
import { loadSnapshot, type PaymentSnapshot, recordEvent, withFigures } from './snapshot.ts'
import { paymentStates } from './state.ts'

/** What `POST /api/payment/init` takes, as validated by its schema (the amount is checked here). */
export interface NewPaymentInput {
  amount: unknown
  currency?: string
  description?: string
  customer_name?: string
  customer_phone?: string
  customer_email?: string
  payment_method_id?: number
  webhook_url?: string
  webhook_secret?: string
  metadata?: object
}

const TRANSACTION_ID = /^[0-9A-F]{12}$/

// Random bytes for ids, drawn 1 536 at a time: one call into the CSPRNG per 256 ids instead of one per id (it
// showed at 2 % of the init profile). The bytes are used once each, in order; nothing about them is weaker.
let randomPool = Buffer.alloc(0)
let randomOffset = 0

/** The seed's transaction id: 12 upper-case hex characters (48 random bits; a clash is drawn again). */
function newTransactionId(): string {
  if (randomOffset + 6 > randomPool.length) {
    randomPool = randomBytes(6 * 256)
    randomOffset = 0
  }
  const id = randomPool.toString('hex', randomOffset, randomOffset + 6).toUpperCase()
  randomOffset += 6
  return id
}

/**
 * The merchant's webhook URL, refused now (400) rather than later: the URL is registered inside the transaction of
 * the payment's first status change, where a refusal would undo the change itself. Core's guard is the one the
 * webhooks module applies: http(s), no credentials, no private or loopback address unless the deployment allows it.
 */
function webhookUrl(text: string | undefined, allowPrivateNetworks: boolean): string | null {
  if (text === undefined || text === '') return null
  try {
    return checkWebhookUrl(text, { allowPrivateNetworks })
  } catch {
    throw new PaymentsError(
      'VALIDATION_FAILED',
      'webhook_url должен быть адресом http(s) без логина и пароля, не указывающим на внутреннюю сеть',
    )
  }
}

/** Creating, reading, cancelling and expiring payments. */
export function createLifecycleService(deps: PaymentDeps, attempts: AttemptService) {
  const { db, clock, methods, pool, events, log, changes } = deps

  async function find(repo: PaymentRepository, transactionId: string, lock = false): Promise<PaymentRow> {
    const payment = TRANSACTION_ID.test(transactionId) ? await repo.byTransactionId(transactionId, lock) : undefined
    if (!payment) throw new PaymentsError('PAYMENT_NOT_FOUND')
    return payment
  }

  /** A source sees only its own payments: another's is "not found", not "forbidden" (ids are not oracles). */
  async function findOwn(repo: PaymentRepository, sourceId: number, transactionId: string): Promise<PaymentRow> {
    const payment = await find(repo, transactionId, true)
    if (payment.sourceId !== sourceId) throw new PaymentsError('PAYMENT_NOT_FOUND')
    return payment
  }

  // Inits without an Idempotency-Key have nothing to commit beside their row: concurrent ones share one INSERT and
  // one commit (group commit, core batcher); alone, an init is a batch of one and waits for nothing. A batch that
  // fails is split until the failing init is alone, so one request never fails another.
  const inserts = createBatcher<NewPayment, PaymentRow | undefined>({
    run: (list) => createPaymentRepository(db).insertMany(list),
    isolate: (error) => {
      const code = (error as { code?: unknown } | null)?.code
      return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53300|57P)/.test(code)
    },
  })

  /** A payment with its ledger and newest attempt, in one statement. */
  async function read(transactionId: string): Promise<PaymentSnapshot> {
    const found = TRANSACTION_ID.test(transactionId)
      ? await createPaymentRepository(db).snapshotByTransactionId(transactionId)
      : undefined
    if (!found) throw new PaymentsError('PAYMENT_NOT_FOUND')
    return withFigures(found.payment, totalsOf(found.entries), found.lastAttempt)
  }

  const cache = createNotifiedCache<PaymentSnapshot>({ feed: changes, maxEntries: Math.max(1, deps.statusCacheSize) })

  /**
   * `read`, kept for the next requests until the payment changes (here or, through the feed, anywhere) — except a
   * processing payment (its terminal is asked on every check) and past expires_at (the sweep is about to expire it).
   */
  function readKept(transactionId: string): Promise<PaymentSnapshot> {
    if (deps.statusCacheSize === 0) return read(transactionId)
    return cache.load(
      transactionId,
      () => read(transactionId),
      ({ payment }) => {
        const until = payment.expiresAt.getTime()
        return payment.status === 'processing' || until <= clock.now().getTime() ? undefined : until
      },
    )
  }

  return {
    find,
    findOwn,

    /**
     * Creates a pending payment for `sourceId`. `inTransaction` runs in the transaction that inserts it, so an
     * Idempotency-Key's answer commits with the payment or not at all; without it the insert is one statement.
     */
    async init(
      sourceId: number | null,
      input: NewPaymentInput,
      inTransaction?: (tx: Queryable, snapshot: PaymentSnapshot) => Promise<void>,
    ): Promise<PaymentSnapshot> {
      const amountTiyn: Tiyn = parseAmount(input.amount, deps.maxAmountTiyn)
      const currency = input.currency ?? 'KZT'
      if (currency !== 'KZT') throw new PaymentsError('CURRENCY_NOT_SUPPORTED', undefined, { currency })
      if (input.payment_method_id !== undefined) {
        const known = (await methods.active()).some((method) => method.id === input.payment_method_id)
        if (!known) throw new PaymentsError('PAYMENT_METHOD_UNKNOWN')
      }
      const url = webhookUrl(input.webhook_url, deps.allowPrivateWebhookUrls)
      const now = clock.now()
      const draw = (): NewPayment => ({
        transactionId: newTransactionId(),
        sourceId,
        amountTiyn,
        currency,
        description: input.description ?? null,
        customerName: input.customer_name ?? null,
        customerPhone: input.customer_phone ?? null,
        customerEmail: input.customer_email ?? null,
        paymentMethodId: input.payment_method_id ?? null,
        webhookUrl: url,
        webhookSecret: input.webhook_secret ?? null,
        metadata: (input.metadata as Record<string, unknown> | undefined) ?? null,
        expiresAt: new Date(now.getTime() + deps.lifetimeMs),
        createdAt: now,
      })
      for (let attempt = 0; attempt < 5; attempt++) {
        // Just inserted: no ledger row and no attempt to read back.
        const payment = inTransaction
          ? await db.transaction(async (tx) => {
              const inserted = await createPaymentRepository(tx).insert(draw(), now)
              if (inserted) await inTransaction(tx, withFigures(inserted, totalsOf([]), undefined))
              return inserted
            })
          : await inserts.submit(draw())
        if (payment) return withFigures(payment, totalsOf([]), undefined)
      }
      throw new Error('no free transaction id in 5 draws')
    },

    /** A payment as it stands, without asking any terminal. */
    async get(transactionId: string): Promise<PaymentSnapshot> {
      return cache.get(transactionId, clock.now().getTime()) ?? readKept(transactionId)
    },

    /**
     * The seed's status check: a processing payment's terminal is asked (the pool asks at most once a second per
     * attempt, whatever the number of pollers) and its outcome applied before answering. A terminal that cannot
     * be reached leaves the status as it is; the poller tries again. Other payments are answered from the cache
     * while nothing changed them (see `readKept`).
     */
    async check(transactionId: string): Promise<PaymentSnapshot> {
      const kept = cache.get(transactionId, clock.now().getTime())
      if (kept) return kept
      const snapshot = await readKept(transactionId)
      if (snapshot.payment.status !== 'processing') return snapshot
      const waiting = await attempts.waitingAttempt(transactionId)
      if (!waiting) return snapshot
      try {
        await attempts.settleAttempt(waiting.id, await pool.check(waiting.id))
      } catch (error) {
        log.warn({ err: error, attemptId: waiting.id }, 'terminal status check failed')
      }
      return read(transactionId)
    },

    /**
     * Cancels a payment that holds no money (pending, processing or failed); its waiting attempt is cancelled on the
     * terminal after the commit. Cancelling a cancelled payment answers it again.
     */
    async cancel(sourceId: number, transactionId: string): Promise<PaymentSnapshot> {
      const methodCodes = await methods.codes()
      const { snapshot, live } = await db.transaction(async (tx) => {
        const repo = createPaymentRepository(tx)
        const payment = await findOwn(repo, sourceId, transactionId)
        if (payment.status === 'cancelled') return { snapshot: await loadSnapshot(repo, payment), live: [] }
        const to = paymentStates.transition(
          payment.status,
          'cancel',
          (from) => new PaymentsError('PAYMENT_NOT_CANCELLABLE', undefined, { status: from }),
        )
        const now = clock.now()
        const live = await repo.liveAttemptIds(payment.id)
        for (const id of live) await repo.settleAttempt(id, 'cancelled', now, 'payment cancelled')
        await repo.setStatus(payment.id, to, now)
        const snapshot = await loadSnapshot(repo, { ...payment, status: to })
        await recordEvent(events, tx, snapshot, now, methodCodes)
        return { snapshot, live }
      })
      for (const id of live) await attempts.release(id)
      return snapshot
    },

    /**
     * Expires payments past their expires_at that hold no money (a periodic task); their attempts are cancelled on
     * the terminals after the commit. Returns how many expired.
     */
    async expireDue(limit = 100): Promise<number> {
      const now = clock.now()
      const dueNow = await createPaymentRepository(db).dueForExpiry(now, limit)
      const methodCodes = dueNow.length > 0 ? await methods.codes() : new Map<number, string>()
      let expired = 0
      for (const due of dueNow) {
        const live = await db.transaction(async (tx) => {
          const repo = createPaymentRepository(tx)
          const payment = await repo.byId(due.id, true)
          const to = payment && paymentStates.next(payment.status, 'expire')
          if (!payment || !to || payment.expiresAt.getTime() > now.getTime()) return undefined
          const ids = await repo.liveAttemptIds(payment.id)
          for (const attemptId of ids) await repo.settleAttempt(attemptId, 'cancelled', now, 'payment expired')
          await repo.setStatus(payment.id, to, now)
          await recordEvent(events, tx, await loadSnapshot(repo, { ...payment, status: to }), now, methodCodes)
          return ids
        })
        changes.changed(due.transactionId)
        if (!live) continue
        expired++
        for (const attemptId of live) await attempts.release(attemptId)
      }
      return expired
    },
  }
}

export type LifecycleService = ReturnType<typeof createLifecycleService>
