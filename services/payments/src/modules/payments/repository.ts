import { type Queryable, type Tiyn, toTiyn } from '@kokdala/core'
import type { EntryKind, LedgerEntry } from './ledger.ts'
import type { PaymentStatus } from './state.ts'

export interface PaymentRow {
  id: number
  transactionId: string
  sourceId: number | null
  amountTiyn: Tiyn
  currency: string
  description: string | null
  customerName: string | null
  customerPhone: string | null
  customerEmail: string | null
  paymentMethodId: number | null
  webhookUrl: string | null
  webhookSecret: string | null
  metadata: Record<string, unknown> | null
  status: PaymentStatus
  expiresAt: Date
  createdAt: Date
  updatedAt: Date
  paidAt: Date | null
}

export type AttemptStatus = 'starting' | 'waiting' | 'paid' | 'failed' | 'cancelled'

export interface AttemptRow {
  id: number
  paymentId: number
  methodId: number
  commissionBp: number
  dueTiyn: Tiyn
  chargeTiyn: Tiyn
  terminalId: number | null
  processId: string | null
  qrCode: string | null
  paymentUrl: string | null
  status: AttemptStatus
  failureReason: string | null
  createdAt: Date
  settledAt: Date | null
}

export type NewPayment = Omit<PaymentRow, 'id' | 'updatedAt' | 'paidAt' | 'status'>

export interface NewEntry {
  paymentId: number
  attemptId?: number | null
  kind: EntryKind
  methodId?: number | null
  grossTiyn: Tiyn
  valueTiyn: Tiyn
  basisBp?: number
  refersTo?: number | null
  terminalReference?: string | null
  createdAt: Date
}

const PAYMENT = `id, transaction_id AS "transactionId", source_id AS "sourceId", amount_tiyn AS "amountTiyn", currency,
  description, customer_name AS "customerName", customer_phone AS "customerPhone",
  customer_email AS "customerEmail", payment_method_id AS "paymentMethodId", webhook_url AS "webhookUrl",
  webhook_secret AS "webhookSecret", metadata, status, expires_at AS "expiresAt", created_at AS "createdAt",
  updated_at AS "updatedAt", paid_at AS "paidAt"`

const ATTEMPT = `id, payment_id AS "paymentId", method_id AS "methodId", commission_bp AS "commissionBp",
  due_tiyn AS "dueTiyn", charge_tiyn AS "chargeTiyn", terminal_id AS "terminalId", process_id AS "processId",
  qr_code AS "qrCode", payment_url AS "paymentUrl", status, failure_reason AS "failureReason",
  created_at AS "createdAt", settled_at AS "settledAt"`

const ENTRY = `id, kind, attempt_id AS "attemptId", method_id AS "methodId", gross_tiyn AS "grossTiyn",
  value_tiyn AS "valueTiyn", basis_bp AS "basisBp", refers_to AS "refersTo"`

// A payment with its ledger and newest attempt in one statement (json: money as text, times as ISO text).
const SNAPSHOT = `SELECT ${PAYMENT},
  (SELECT COALESCE(json_agg(e ORDER BY e.id), '[]') FROM (SELECT id, kind, attempt_id AS "attemptId",
     method_id AS "methodId", gross_tiyn::text AS "grossTiyn", value_tiyn::text AS "valueTiyn", basis_bp AS "basisBp",
     refers_to AS "refersTo" FROM payment_entry WHERE payment_id = payment.id) e) AS entries,
  (SELECT row_to_json(a) FROM (SELECT id, payment_id AS "paymentId", method_id AS "methodId",
     commission_bp AS "commissionBp", due_tiyn::text AS "dueTiyn", charge_tiyn::text AS "chargeTiyn",
     terminal_id AS "terminalId", process_id AS "processId", qr_code AS "qrCode", payment_url AS "paymentUrl", status,
     failure_reason AS "failureReason", created_at AS "createdAt", settled_at AS "settledAt"
     FROM payment_attempt WHERE payment_id = payment.id ORDER BY id DESC LIMIT 1) a) AS "lastAttempt"
  FROM payment WHERE transaction_id = $1`

type JsonAttempt = Omit<AttemptRow, 'createdAt' | 'settledAt'> & { createdAt: string; settledAt: string | null }

// int8 columns arrive as numbers (core db.ts); money becomes bigint here, at the edge.
const payment = (row: PaymentRow): PaymentRow => ({ ...row, amountTiyn: toTiyn(row.amountTiyn) })
const attempt = (row: AttemptRow): AttemptRow => ({
  ...row,
  dueTiyn: toTiyn(row.dueTiyn),
  chargeTiyn: toTiyn(row.chargeTiyn),
})
const entry = (row: LedgerEntry): LedgerEntry => ({
  ...row,
  grossTiyn: toTiyn(row.grossTiyn),
  valueTiyn: toTiyn(row.valueTiyn),
})

/** The only SQL of the payments module (tables payment, payment_attempt, payment_entry). */
export function createPaymentRepository(db: Queryable) {
  return {
    /** Inserts a payment; undefined when its transaction id is taken (the caller draws another). */
    async insert(p: NewPayment, now: Date): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(
        `INSERT INTO payment (transaction_id, source_id, amount_tiyn, currency, description, customer_name,
           customer_phone, customer_email, payment_method_id, webhook_url, webhook_secret, metadata, status,
           expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $14)
         ON CONFLICT (transaction_id) DO NOTHING RETURNING ${PAYMENT}`,
        [
          p.transactionId,
          p.sourceId,
          String(p.amountTiyn),
          p.currency,
          p.description,
          p.customerName,
          p.customerPhone,
          p.customerEmail,
          p.paymentMethodId,
          p.webhookUrl,
          p.webhookSecret,
          p.metadata === null ? null : JSON.stringify(p.metadata),
          p.expiresAt,
          now,
        ],
      )
      return rows[0] && payment(rows[0])
    },

    /**
     * Inserts payments in one statement (one round trip, one commit for all): the payment of each, or undefined where
     * its transaction id is taken (in the table or earlier in `list`). One fixed statement whatever the count.
     */
    async insertMany(list: NewPayment[]): Promise<(PaymentRow | undefined)[]> {
      const column = <T>(pick: (p: NewPayment) => T) => list.map(pick)
      const { rows } = await db.query<PaymentRow>(
        `INSERT INTO payment (transaction_id, source_id, amount_tiyn, currency, description, customer_name,
           customer_phone, customer_email, payment_method_id, webhook_url, webhook_secret, metadata, status,
           expires_at, created_at, updated_at)
         SELECT t, s, a, c, d, cn, cp, ce, m, wu, ws, md::jsonb, 'pending', e, n, n
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::smallint[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[])
           AS u(t, s, a, c, d, cn, cp, ce, m, wu, ws, md, e, n)
         ON CONFLICT (transaction_id) DO NOTHING RETURNING ${PAYMENT}`,
        [
          column((p) => p.transactionId),
          column((p) => p.sourceId),
          column((p) => String(p.amountTiyn)),
          column((p) => p.currency),
          column((p) => p.description),
          column((p) => p.customerName),
          column((p) => p.customerPhone),
          column((p) => p.customerEmail),
          column((p) => p.paymentMethodId),
          column((p) => p.webhookUrl),
          column((p) => p.webhookSecret),
          column((p) => (p.metadata === null ? null : JSON.stringify(p.metadata))),
          column((p) => p.expiresAt.toISOString()),
          column((p) => p.createdAt.toISOString()),
        ],
      )
      const inserted = new Map(rows.map((row) => [row.transactionId, row]))
      return list.map((p) => {
        const row = inserted.get(p.transactionId)
        // A repeated id in one list was inserted once: only its first item gets the row.
        inserted.delete(p.transactionId)
        return row && payment(row)
      })
    },

    /** A payment by its public id; `lock` holds its row until the transaction ends (every change takes it). */
    async byTransactionId(transactionId: string, lock = false): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(
        `SELECT ${PAYMENT} FROM payment WHERE transaction_id = $1${lock ? ' FOR UPDATE' : ''}`,
        [transactionId],
      )
      return rows[0] && payment(rows[0])
    },

    /** A payment with its ledger rows and newest attempt, in one round trip (status checks and reads). */
    async snapshotByTransactionId(
      transactionId: string,
    ): Promise<{ payment: PaymentRow; entries: LedgerEntry[]; lastAttempt: AttemptRow | undefined } | undefined> {
      const { rows } = await db.query<PaymentRow & { entries: LedgerEntry[]; lastAttempt: JsonAttempt | null }>(
        SNAPSHOT,
        [transactionId],
      )
      const row = rows[0]
      if (!row) return undefined
      const { entries, lastAttempt, ...rest } = row
      const last = lastAttempt
        ? attempt({
            ...lastAttempt,
            createdAt: new Date(lastAttempt.createdAt),
            settledAt: lastAttempt.settledAt === null ? null : new Date(lastAttempt.settledAt),
          })
        : undefined
      return { payment: payment(rest), entries: entries.map(entry), lastAttempt: last }
    },

    async byId(id: number, lock = false): Promise<PaymentRow | undefined> {
      const { rows } = await db.query<PaymentRow>(
        `SELECT ${PAYMENT} FROM payment WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [id],
      )
      return rows[0] && payment(rows[0])
    },

    async setStatus(id: number, status: PaymentStatus, now: Date, paidAt?: Date): Promise<void> {
      await db.query(`UPDATE payment SET status = $2, updated_at = $3, paid_at = COALESCE($4, paid_at) WHERE id = $1`, [
        id,
        status,
        now,
        paidAt ?? null,
      ])
    },

    /** Payments past their expiry that can still expire, oldest first. */
    async dueForExpiry(now: Date, limit: number): Promise<{ id: number; transactionId: string }[]> {
      const { rows } = await db.query<{ id: number; transactionId: string }>(
        `SELECT id, transaction_id AS "transactionId" FROM payment
         WHERE status IN ('pending', 'processing', 'failed') AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
        [now, limit],
      )
      return rows
    },

    async entries(paymentId: number): Promise<LedgerEntry[]> {
      const { rows } = await db.query<LedgerEntry>(
        `SELECT ${ENTRY} FROM payment_entry WHERE payment_id = $1 ORDER BY id`,
        [paymentId],
      )
      return rows.map(entry)
    },

    /** The captures recorded in [from, to): what the terminals' transactions are reconciled against. */
    async capturesBetween(from: Date, to: Date): Promise<{ attemptId: number; grossTiyn: bigint }[]> {
      const { rows } = await db.query<{ attemptId: number; grossTiyn: string }>(
        `SELECT attempt_id AS "attemptId", gross_tiyn AS "grossTiyn" FROM payment_entry
         WHERE kind = 'capture' AND created_at >= $1 AND created_at < $2 ORDER BY id`,
        [from, to],
      )
      return rows.map((row) => ({ attemptId: row.attemptId, grossTiyn: toTiyn(row.grossTiyn) }))
    },

    /** Appends a ledger row; undefined when a unique rule refuses it (an attempt captured twice). */
    async addEntry(e: NewEntry): Promise<number | undefined> {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO payment_entry (payment_id, attempt_id, kind, method_id, gross_tiyn, value_tiyn, basis_bp,
           refers_to, terminal_reference, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
        [
          e.paymentId,
          e.attemptId ?? null,
          e.kind,
          e.methodId ?? null,
          String(e.grossTiyn),
          String(e.valueTiyn),
          e.basisBp ?? 0,
          e.refersTo ?? null,
          e.terminalReference ?? null,
          e.createdAt,
        ],
      )
      return rows[0]?.id
    },

    /** Starts an attempt; undefined when the payment already has a live one (starting or waiting). */
    async insertAttempt(
      a: Pick<AttemptRow, 'paymentId' | 'methodId' | 'commissionBp' | 'dueTiyn' | 'chargeTiyn'>,
      now: Date,
    ): Promise<AttemptRow | undefined> {
      const { rows } = await db.query<AttemptRow>(
        `INSERT INTO payment_attempt (payment_id, method_id, commission_bp, due_tiyn, charge_tiyn, status, created_at)
         VALUES ($1, $2, $3, $4, $5, 'starting', $6)
         ON CONFLICT (payment_id) WHERE status IN ('starting', 'waiting') DO NOTHING RETURNING ${ATTEMPT}`,
        [a.paymentId, a.methodId, a.commissionBp, String(a.dueTiyn), String(a.chargeTiyn), now],
      )
      return rows[0] && attempt(rows[0])
    },

    async attempt(id: number, lock = false): Promise<AttemptRow | undefined> {
      const { rows } = await db.query<AttemptRow>(
        `SELECT ${ATTEMPT} FROM payment_attempt WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [id],
      )
      return rows[0] && attempt(rows[0])
    },

    /** The payment's newest attempt (its method is the one the payment's amounts are shown in). */
    async lastAttempt(paymentId: number): Promise<AttemptRow | undefined> {
      const { rows } = await db.query<AttemptRow>(
        `SELECT ${ATTEMPT} FROM payment_attempt WHERE payment_id = $1 ORDER BY id DESC LIMIT 1`,
        [paymentId],
      )
      return rows[0] && attempt(rows[0])
    },

    async liveAttempt(paymentId: number): Promise<AttemptRow | undefined> {
      const { rows } = await db.query<AttemptRow>(
        `SELECT ${ATTEMPT} FROM payment_attempt WHERE payment_id = $1 AND status IN ('starting', 'waiting')`,
        [paymentId],
      )
      return rows[0] && attempt(rows[0])
    },

    /** The terminal's answer to a started attempt: it now waits for the customer. */
    async attemptWaiting(
      id: number,
      t: { terminalId: number; processId: string; qrCode: string; paymentUrl: string },
    ): Promise<AttemptRow | undefined> {
      const { rows } = await db.query<AttemptRow>(
        `UPDATE payment_attempt SET status = 'waiting', terminal_id = $2, process_id = $3, qr_code = $4,
           payment_url = $5
         WHERE id = $1 AND status = 'starting' RETURNING ${ATTEMPT}`,
        [id, t.terminalId, t.processId, t.qrCode, t.paymentUrl],
      )
      return rows[0] && attempt(rows[0])
    },

    /** Ends an attempt (paid, failed or cancelled) unless it has ended already. */
    async settleAttempt(id: number, status: AttemptStatus, now: Date, reason?: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE payment_attempt SET status = $2, settled_at = $3, failure_reason = $4
         WHERE id = $1 AND status IN ('starting', 'waiting')`,
        [id, status, now, reason ?? null],
      )
      return rowCount > 0
    },

    /** Marks an ended attempt paid after all (money arrived after a cancel or a failure was recorded). */
    async attemptPaidLate(id: number, now: Date): Promise<void> {
      await db.query(`UPDATE payment_attempt SET status = 'paid', settled_at = $2 WHERE id = $1`, [id, now])
    },

    /** Attempts that were live when their payment stopped (the terminal pool must let them go). */
    async liveAttemptIds(paymentId: number): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `SELECT id FROM payment_attempt WHERE payment_id = $1 AND status IN ('starting', 'waiting')`,
        [paymentId],
      )
      return rows.map((row) => row.id)
    },
  }
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>
