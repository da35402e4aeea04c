import { type ChainedPrepare, type JobRowWrite, type JobWrite, type Queryable, type Tiyn, toTiyn } from '@kokdala/core'
import { contentFromJson, contentToJson } from './content-json.ts'
import type { FiscalFacts } from './fiscal-facts.ts'
import type { PaymentProgress, StoredSale } from './mapping.ts'
import type { ReceiptContent, ReceiptKind } from './receipt.ts'
import type { OpenShift } from './sender.ts'
import type { ReceiptStatus } from './state.ts'

/** A receipt as stored. */
export interface ReceiptRow {
  id: number
  externalNumber: string
  source: 'payment' | 'api'
  transactionId: string | null
  callerId: string | null
  kind: ReceiptKind
  cashbox: string
  status: ReceiptStatus
  content: ReceiptContent
  totalTiyn: Tiyn
  commissionTiyn: Tiyn
  originalId: number | null
  returnedTiyn: Tiyn
  attempts: number
  failures: number
  lastErrorCode: number | null
  lastError: string | null
  checkNumber: string | null
  fiscalTime: string | null
  shiftNumber: number | null
  checkOrderNumber: number | null
  offline: boolean | null
  ticketUrl: string | null
  registrationNumber: string | null
  fiscalizedVia: string | null
  createdAt: Date
  updatedAt: Date
  fiscalizedAt: Date | null
}

export interface AttemptRow {
  receiptId: number
  attempt: number
  startedAt: Date
  finishedAt: Date | null
  outcome: string | null
  error: string | null
}

export interface NewReceipt {
  externalNumber: string
  source: 'payment' | 'api'
  transactionId: string | null
  callerId: string | null
  cashbox: string
  status: ReceiptStatus
  content: ReceiptContent
  totalTiyn: Tiyn
  commissionTiyn: Tiyn
  originalId: number | null
  lastError: string | null
}

const RECEIPT = `id, external_number AS "externalNumber", source, transaction_id AS "transactionId",
  caller_id AS "callerId", kind, cashbox, status, content, total_tiyn AS "totalTiyn",
  commission_tiyn AS "commissionTiyn", original_id AS "originalId", returned_tiyn AS "returnedTiyn", attempts, failures,
  last_error_code AS "lastErrorCode", last_error AS "lastError", check_number AS "checkNumber",
  fiscal_time AS "fiscalTime", shift_number AS "shiftNumber", check_order_number AS "checkOrderNumber", offline,
  ticket_url AS "ticketUrl", registration_number AS "registrationNumber", fiscalized_via AS "fiscalizedVia",
  created_at AS "createdAt", updated_at AS "updatedAt", fiscalized_at AS "fiscalizedAt"`

type RawReceipt = Omit<ReceiptRow, 'content' | 'totalTiyn' | 'commissionTiyn' | 'returnedTiyn'> & {
  content: unknown
  totalTiyn: number | string
  commissionTiyn: number | string
  returnedTiyn: number | string
}

function receiptOf(raw: RawReceipt): ReceiptRow {
  return {
    ...raw,
    id: Number(raw.id),
    originalId: raw.originalId === null ? null : Number(raw.originalId),
    content: contentFromJson(raw.content),
    totalTiyn: toTiyn(raw.totalTiyn),
    commissionTiyn: toTiyn(raw.commissionTiyn),
    returnedTiyn: toTiyn(raw.returnedTiyn),
  }
}

/** Statuses a receipt still has work in: what makes a cashbox loaded. */
export const OPEN_STATUSES: readonly ReceiptStatus[] = ['pending', 'sending', 'recovering']

/**
 * Attempt outcomes that are Webkassa's answer that it took nothing (`SendResult` kinds `retry`, `park`, `failed`, and
 * `replayed`: 11, sent again after a Z report). Any other outcome, or none, may have left a receipt at Webkassa.
 */
export const DEFINITE_NO_ATTEMPT: readonly string[] = ['retry', 'park', 'failed', 'replayed']

/**
 * A receipt as its cashbox's queue sends it: the row, its cashbox's open shift, whether the cashbox is parked, and
 * the attempt this run's claim opened when it marked the receipt `sending` (a pending sale; undefined otherwise).
 */
export interface SendContext {
  row: ReceiptRow
  openShift: OpenShift | null
  parked: boolean
  markedAttempt?: number
}

/** The columns that record a receipt's fiscal facts, with their types: one mapping for every way they are written. */
const FACT_COLUMNS = [
  ['check_number', 'text'],
  ['fiscal_time', 'text'],
  ['shift_number', 'int'],
  ['check_order_number', 'int'],
  ['offline', 'boolean'],
  ['ticket_url', 'text'],
  ['registration_number', 'text'],
  ['webkassa_total_tiyn', 'bigint'],
  ['fiscalized_via', 'text'],
] as const

/** The facts' values, in the order of FACT_COLUMNS (tiyn as text, as arrays of the settle statement carry them). */
function factValues(facts: FiscalFacts, via: string): unknown[] {
  return [
    facts.checkNumber,
    facts.dateTime,
    facts.shiftNumber,
    facts.checkOrderNumber,
    facts.offline,
    facts.ticketUrl,
    facts.registrationNumber,
    facts.totalTiyn === null ? null : String(facts.totalTiyn),
    via,
  ]
}

/**
 * A receipt fiscalized, written with its job's settling (one statement for every cashbox settling together): the
 * facts, if the receipt is still in the status the run found it in. One row per receipt.
 */
function fiscalizedStatement(rows: string): string {
  const facts = FACT_COLUMNS.map(([name]) => `${name} = r.${name}`).join(', ')
  return `UPDATE fiscal_receipt f SET status = 'fiscalized', updated_at = r.at, ${facts}, fiscalized_at = r.at,
      last_error = NULL, last_error_code = NULL
    FROM ${rows} WHERE f.id = r.id AND f.status = r.from_status`
}
const FISCALIZED_COLUMNS = [['id', 'bigint'], ['from_status', 'text'], ...FACT_COLUMNS, ['at', 'timestamptz']] as const

/** A send attempt's end, written with its job's settling. */
function attemptFinishedStatement(rows: string): string {
  return `UPDATE fiscal_receipt_attempt a SET finished_at = r.at, outcome = r.outcome, error = r.error
    FROM ${rows} WHERE a.receipt_id = r.receipt_id AND a.attempt = r.attempt`
}
const ATTEMPT_FINISHED_COLUMNS = [
  ['receipt_id', 'bigint'],
  ['attempt', 'int'],
  ['outcome', 'text'],
  ['error', 'text'],
  ['at', 'timestamptz'],
] as const

/** The only SQL of the receipts module (tables fiscal_receipt, _attempt, fiscal_payment, _event, cashbox, shift, report). */
/**
 * The cashbox with the fewest unfinished receipts among the cashboxes `$znks` (text[]), parked ones last, ties to
 * the configured order. A hint, not a lock: two payments choosing at once may pick the same cashbox, which only
 * shifts the balance. The counts are exact: counting only up to a cap (and choosing at random among the cashboxes
 * past it) saved little and left the queues uneven, so a backlog's last receipts waited on the longest queue
 * (`bench/RESULTS.md` §10).
 */
function leastLoadedSql(znks: string): string {
  return `SELECT c.znk FROM unnest(${znks}::text[]) WITH ORDINALITY AS c (znk, place)
    LEFT JOIN fiscal_cashbox b ON b.znk = c.znk
    ORDER BY (b.parked_at IS NOT NULL),
      (SELECT count(*) FROM fiscal_receipt r WHERE r.cashbox = c.znk AND r.status IN ('pending', 'sending', 'recovering')),
      c.place
    LIMIT 1`
}

/**
 * The receipts `ids` (SQL, bigint[]) with what sending them needs, as CTEs ending in `contexts` (`id`, `context`
 * json): their cashboxes' open shifts and parking, and, when `sales` (SQL boolean), each pending sale marked
 * `sending` at `at` with its attempt opened (see `sendContexts`). Rows are answered as they were before the mark.
 */
function sendContextCtes(p: { ids: string; at: string; sales: string }): { ctes: string[]; contexts: string } {
  return {
    ctes: [
      // The receipts are found by primary key alone, then filtered: with `status = 'pending'` beside the ids, a
      // planner whose statistics predate the backlog (a fresh table, autovacuum not yet round) ANDs the status
      // and open-receipt indexes instead and reads every pending receipt's entry, dead ones included, on every
      // claim and settle: a cost that grew with the queue (bench/RESULTS.md §10).
      `send_targets AS MATERIALIZED (
        SELECT id, status, kind FROM fiscal_receipt WHERE id = ANY(${p.ids})
      )`,
      `send_marked AS (
        UPDATE fiscal_receipt f SET status = 'sending', attempts = f.attempts + 1, updated_at = ${p.at}
        FROM send_targets t
        WHERE f.id = t.id AND t.status = 'pending' AND t.kind = 'sale' AND f.status = 'pending' AND ${p.sales}
        RETURNING f.id, f.attempts
      )`,
      `send_opened AS (
        INSERT INTO fiscal_receipt_attempt (receipt_id, attempt, started_at)
        SELECT id, attempts, ${p.at} FROM send_marked RETURNING receipt_id, attempt
      )`,
      `send_contexts AS (
        SELECT r.id, json_build_object('row', row_to_json(r), 'openShiftNumber', s.shift_number,
          'openShiftAt', s.opened_at, 'parked', c.parked_at IS NOT NULL, 'markedAttempt', o.attempt) AS context
        FROM (SELECT ${RECEIPT} FROM fiscal_receipt WHERE id = ANY(${p.ids})) r
        LEFT JOIN send_opened o ON o.receipt_id = r.id
        LEFT JOIN fiscal_cashbox c ON c.znk = r.cashbox
        LEFT JOIN LATERAL (
          SELECT shift_number, opened_at FROM fiscal_shift WHERE cashbox = r.cashbox AND closed_at IS NULL
          ORDER BY shift_number DESC LIMIT 1
        ) s ON true
      )`,
    ],
    contexts: 'send_contexts',
  }
}

/** A `send_contexts` row's JSON as a `SendContext` (times and money back to their types). */
function sendContextOf(json: unknown): SendContext {
  const { row, openShiftNumber, openShiftAt, parked, markedAttempt } = json as {
    row: Omit<RawReceipt, 'createdAt' | 'updatedAt' | 'fiscalizedAt'> & {
      createdAt: string
      updatedAt: string
      fiscalizedAt: string | null
    }
    openShiftNumber: number | null
    openShiftAt: string | null
    parked: boolean | null
    markedAttempt: number | null
  }
  const context: SendContext = {
    row: receiptOf({
      ...row,
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
      fiscalizedAt: row.fiscalizedAt === null ? null : new Date(row.fiscalizedAt),
    }),
    openShift:
      openShiftNumber === null || openShiftAt === null
        ? null
        : { shiftNumber: openShiftNumber, openedAt: new Date(openShiftAt) },
    parked: parked === true,
  }
  if (markedAttempt !== null) context.markedAttempt = markedAttempt
  return context
}

/** The columns a new receipt is inserted with: `insertedValues` fills $1–$12 (the time twice), the cashbox last. */
const INSERTED_COLUMNS = `(external_number, source, transaction_id, caller_id, kind, status, content, total_tiyn,
  commission_tiyn, original_id, last_error, created_at, updated_at, cashbox)`

function insertedValues(r: Omit<NewReceipt, 'cashbox'>, now: Date): unknown[] {
  return [
    r.externalNumber,
    r.source,
    r.transactionId,
    r.callerId,
    r.content.kind,
    r.status,
    JSON.stringify(contentToJson(r.content)),
    r.totalTiyn,
    r.commissionTiyn,
    r.originalId,
    r.lastError,
    now,
  ]
}

export function createReceiptRepository(db: Queryable) {
  return {
    /** Registers the configured cashboxes (idempotent). */
    async ensureCashboxes(q: Queryable, znks: readonly string[], now: Date): Promise<void> {
      if (znks.length === 0) return
      await q.query(
        `INSERT INTO fiscal_cashbox (znk, updated_at) SELECT unnest($1::text[]), $2 ON CONFLICT (znk) DO NOTHING`,
        [znks, now],
      )
    },

    /** The cashbox with the fewest unfinished receipts among `znks` (see `leastLoadedSql`). */
    async leastLoaded(q: Queryable, znks: readonly string[]): Promise<string> {
      const { rows } = await q.query<{ znk: string }>(leastLoadedSql('$1'), [znks])
      if (!rows[0]) throw new Error('no cashbox configured')
      return rows[0].znk
    },

    /** Records a payments event once: false when its message id or the change it announces was seen already. */
    async recordEvent(
      q: Queryable,
      event: {
        webhookId: string
        transactionId: string
        event: string
        status: string
        paidTiyn: Tiyn
        refundedTiyn: Tiyn
        now: Date
      },
    ): Promise<boolean> {
      const { rowCount } = await q.query(
        `INSERT INTO fiscal_payment_event (webhook_id, transaction_id, event, status, paid_tiyn, refunded_tiyn, receipts, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT DO NOTHING`,
        [
          event.webhookId,
          event.transactionId,
          event.event,
          event.status,
          event.paidTiyn,
          event.refundedTiyn,
          event.now,
        ],
      )
      return rowCount === 1
    },

    /** What an earlier message said under this webhook id (to tell a repeat from an id reused for another body). */
    async findEvent(q: Queryable, webhookId: string) {
      const { rows } = await q.query<{
        transactionId: string
        event: string
        status: string
        paidTiyn: string | number
        refundedTiyn: string | number
      }>(
        `SELECT transaction_id AS "transactionId", event, status, paid_tiyn AS "paidTiyn", refunded_tiyn AS "refundedTiyn"
         FROM fiscal_payment_event WHERE webhook_id = $1`,
        [webhookId],
      )
      const row = rows[0]
      return row && { ...row, paidTiyn: BigInt(row.paidTiyn), refundedTiyn: BigInt(row.refundedTiyn) }
    },

    /**
     * Returns of the payment blocked for want of a stored sale and never sent (their refund arrived before the
     * payment's sale did), oldest first, locked for the caller's transaction.
     */
    async basislessReturns(q: Queryable, transactionId: string): Promise<ReceiptRow[]> {
      const { rows } = await q.query<RawReceipt>(
        `SELECT ${RECEIPT} FROM fiscal_receipt
         WHERE transaction_id = $1 AND kind = 'sale_return' AND original_id IS NULL AND status = 'needs_attention'
           AND attempts = 0 ORDER BY id FOR UPDATE`,
        [transactionId],
      )
      return rows.map(receiptOf)
    },

    /** A blocked return given its original sale: pending again, its error cleared (the caller queues its job). */
    async attachReturn(q: Queryable, id: number, originalId: number, now: Date): Promise<void> {
      await q.query(
        `UPDATE fiscal_receipt SET original_id = $2, status = 'pending', last_error = NULL, updated_at = $3
         WHERE id = $1 AND status = 'needs_attention' AND original_id IS NULL`,
        [id, originalId, now],
      )
    },

    async setEventReceipts(q: Queryable, webhookId: string, receipts: number): Promise<void> {
      await q.query(`UPDATE fiscal_payment_event SET receipts = $2 WHERE webhook_id = $1`, [webhookId, receipts])
    },

    /**
     * The payment's progress row, created on `cashbox` when new, locked for the caller's transaction: events of one
     * payment are planned one after the other.
     */
    async lockPayment(q: Queryable, transactionId: string, cashbox: () => Promise<string>, now: Date) {
      const found = await q.query<{ cashbox: string }>(
        `SELECT cashbox FROM fiscal_payment WHERE transaction_id = $1 FOR UPDATE`,
        [transactionId],
      )
      if (!found.rows[0]) {
        await q.query(
          `INSERT INTO fiscal_payment (transaction_id, cashbox, created_at, updated_at) VALUES ($1, $2, $3, $3)
           ON CONFLICT (transaction_id) DO NOTHING`,
          [transactionId, await cashbox(), now],
        )
      }
      const { rows } = await q.query<{
        cashbox: string
        saleTiyn: number | string
        commissionTiyn: number | string
        returnTiyn: number | string
        sales: number
        returns: number
      }>(
        `SELECT cashbox, sale_tiyn AS "saleTiyn", commission_tiyn AS "commissionTiyn", return_tiyn AS "returnTiyn",
           sales, returns
         FROM fiscal_payment WHERE transaction_id = $1 FOR UPDATE`,
        [transactionId],
      )
      const row = rows[0]
      const progress: PaymentProgress = {
        saleTiyn: toTiyn(row.saleTiyn),
        commissionTiyn: toTiyn(row.commissionTiyn),
        returnTiyn: toTiyn(row.returnTiyn),
        sales: row.sales,
        returns: row.returns,
      }
      return { cashbox: row.cashbox, progress }
    },

    async saveProgress(q: Queryable, transactionId: string, p: PaymentProgress, now: Date): Promise<void> {
      await q.query(
        `UPDATE fiscal_payment SET sale_tiyn = $2, commission_tiyn = $3, return_tiyn = $4, sales = $5, returns = $6,
           updated_at = $7 WHERE transaction_id = $1`,
        [transactionId, p.saleTiyn, p.commissionTiyn, p.returnTiyn, p.sales, p.returns, now],
      )
    },

    /** The payment's sale receipts a return may refer to (not failed ones), oldest first. */
    async storedSales(q: Queryable, transactionId: string): Promise<StoredSale[]> {
      const { rows } = await q.query<RawReceipt>(
        `SELECT ${RECEIPT} FROM fiscal_receipt
         WHERE transaction_id = $1 AND kind = 'sale' AND status <> 'failed' ORDER BY id`,
        [transactionId],
      )
      return rows
        .map(receiptOf)
        .map((r) => ({ id: r.id, content: r.content, totalTiyn: r.totalTiyn, returnedTiyn: r.returnedTiyn }))
    },

    /** Stores a new receipt; answers it as stored. */
    async insertReceipt(q: Queryable, r: NewReceipt, now: Date): Promise<ReceiptRow> {
      const { rows } = await q.query<RawReceipt>(
        `INSERT INTO fiscal_receipt ${INSERTED_COLUMNS}
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING ${RECEIPT}`,
        [...insertedValues(r, now), r.cashbox],
      )
      return receiptOf(rows[0] as RawReceipt)
    },

    /**
     * A receipt asked for through the API, on the least loaded of `cashboxes`, in one statement: undefined when the
     * caller's external id has a receipt already (read it with `findByCaller`).
     */
    async insertApiReceipt(
      q: Queryable,
      r: Omit<NewReceipt, 'cashbox'> & { callerId: string },
      cashboxes: readonly string[],
      now: Date,
    ): Promise<ReceiptRow | undefined> {
      const { rows } = await q.query<RawReceipt>(
        `INSERT INTO fiscal_receipt ${INSERTED_COLUMNS}
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, chosen.znk
         FROM (${leastLoadedSql('$13')}) chosen
         ON CONFLICT (caller_id) WHERE caller_id IS NOT NULL DO NOTHING
         RETURNING ${RECEIPT}`,
        [...insertedValues(r, now), cashboxes],
      )
      return rows[0] && receiptOf(rows[0])
    },

    async addReturned(q: Queryable, saleId: number, amount: Tiyn): Promise<void> {
      await q.query(`UPDATE fiscal_receipt SET returned_tiyn = returned_tiyn + $2 WHERE id = $1`, [saleId, amount])
    },

    /**
     * The receipts of a claimed batch with what sending them needs, in one statement (the job kind's `prepare`): their
     * cashboxes' open shifts and parking; and, with `markSales`, each pending sale marked `sending` with its attempt
     * opened — what `markSending` does before a send, done here for the batch so that the send leaves without another
     * round trip. It is committed before the request leaves, as the rule asks; a run that ends before sending leaves
     * the receipt `sending`, and the next round looks it up first (one lookup too many, never a second receipt). The
     * jobs are leased by then, so nothing else changes these rows. Rows are answered as they were before the mark.
     */
    async sendContexts(
      q: Queryable,
      ids: readonly number[],
      mark: { sales: boolean; now: Date },
    ): Promise<Map<number, SendContext>> {
      const { ctes, contexts } = sendContextCtes({ ids: '$1::bigint[]', at: '$2::timestamptz', sales: '$3::boolean' })
      const { rows } = await q.query<{ id: number; context: unknown }>(
        `WITH ${ctes.join(',\n')} SELECT id, context FROM ${contexts}`,
        [ids, mark.now, mark.sales],
      )
      return new Map(rows.map(({ id, context }) => [Number(id), sendContextOf(context)]))
    },

    /**
     * `sendContexts` inside the settle statement that chains a cashbox's next receipt job (`ChainedPrepare`): the
     * receipt is marked and loaded in the round trip that settled the one before it. That settle's own writes (the
     * previous receipt fiscalized) touch other rows; a shift a receipt opened was written before its settle.
     */
    chainedSendContexts(sales: boolean): ChainedPrepare {
      return {
        ctes: ({ jobs, output, at }, param) => {
          const ids = `ARRAY(SELECT (payload->>'receiptId')::bigint FROM ${jobs})`
          const { ctes, contexts } = sendContextCtes({ ids, at, sales: `${param(sales)}::boolean` })
          return [
            ...ctes,
            `${output} AS (
              SELECT j.id AS job_id, c.context AS prepared
              FROM ${jobs} j JOIN ${contexts} c ON c.id = (j.payload->>'receiptId')::bigint
            )`,
          ]
        },
        parse: sendContextOf,
      }
    },

    /**
     * Undoes the `sending` mark a prepare made (attempt `attempt`) on a receipt whose job was leased ahead and then
     * given back unsent (the receipt before it on the cashbox did not go through): back to `pending`, its attempt
     * row gone, as if never marked (the machine's `defer`: no request left). Only that mark: a receipt found
     * `sending` from an earlier run was not marked, and keeps its doubt.
     */
    unmarkWrites(id: number, attempt: number, now: Date): JobWrite[] {
      return [
        (param) => `UPDATE fiscal_receipt SET status = 'pending', attempts = attempts - 1, updated_at = ${param(now)}
          WHERE id = ${param(id)} AND status = 'sending' AND attempts = ${param(attempt)}`,
        (param) => `DELETE FROM fiscal_receipt_attempt
          WHERE receipt_id = ${param(id)} AND attempt = ${param(attempt)} AND finished_at IS NULL`,
      ]
    },

    /** `move` to fiscalized with the facts, as a write of the job's settling (see `fiscalizedStatement`). */
    fiscalizedWrite(id: number, from: ReceiptStatus, facts: FiscalFacts, via: string, now: Date): JobRowWrite {
      return {
        statement: fiscalizedStatement,
        columns: FISCALIZED_COLUMNS,
        row: [id, from, ...factValues(facts, via), now],
      }
    },

    /** `finishAttempt` as a write of the job's settling. */
    attemptFinishedWrite(id: number, attempt: number, outcome: string, error: string | null, now: Date): JobRowWrite {
      return {
        statement: attemptFinishedStatement,
        columns: ATTEMPT_FINISHED_COLUMNS,
        row: [id, attempt, outcome, error, now],
      }
    },

    async find(id: number, q: Queryable = db): Promise<ReceiptRow | undefined> {
      const { rows } = await q.query<RawReceipt>(`SELECT ${RECEIPT} FROM fiscal_receipt WHERE id = $1`, [id])
      return rows[0] && receiptOf(rows[0])
    },

    async findByCaller(q: Queryable, callerId: string): Promise<ReceiptRow | undefined> {
      const { rows } = await q.query<RawReceipt>(`SELECT ${RECEIPT} FROM fiscal_receipt WHERE caller_id = $1`, [
        callerId,
      ])
      return rows[0] && receiptOf(rows[0])
    },

    async list(filter: { transactionId?: string; status?: ReceiptStatus; limit: number }): Promise<ReceiptRow[]> {
      const { rows } = await db.query<RawReceipt>(
        `SELECT ${RECEIPT} FROM fiscal_receipt
         WHERE ($1::text IS NULL OR transaction_id = $1) AND ($2::text IS NULL OR status = $2)
         ORDER BY id LIMIT $3`,
        [filter.transactionId ?? null, filter.status ?? null, filter.limit],
      )
      return rows.map(receiptOf)
    },

    async attempts(receiptIds: readonly number[]): Promise<AttemptRow[]> {
      if (receiptIds.length === 0) return []
      const { rows } = await db.query<AttemptRow>(
        `SELECT receipt_id AS "receiptId", attempt, started_at AS "startedAt", finished_at AS "finishedAt", outcome, error
         FROM fiscal_receipt_attempt WHERE receipt_id = ANY($1::bigint[]) ORDER BY receipt_id, attempt`,
        [receiptIds],
      )
      return rows.map((r) => ({ ...r, receiptId: Number(r.receiptId) }))
    },

    /**
     * Moves a receipt from `from` to `to` with the given columns, only if it is still in `from` (the queue runs one
     * job per cashbox, so a miss is a bug or an operator's hand). Returns whether it moved.
     */
    async move(
      id: number,
      from: ReceiptStatus,
      to: ReceiptStatus,
      set: Record<string, unknown>,
      now: Date,
    ): Promise<boolean> {
      const columns = Object.keys(set)
      const assignments = columns.map((c, i) => `${c} = $${i + 5}`)
      const { rowCount } = await db.query(
        `UPDATE fiscal_receipt SET status = $3, updated_at = $4${assignments.length ? `, ${assignments.join(', ')}` : ''}
         WHERE id = $1 AND status = $2`,
        [id, from, to, now, ...columns.map((c) => set[c])],
      )
      return rowCount === 1
    },

    /** The request is about to leave: status `sending`, one more attempt, and its row — one statement, committed. */
    async markSending(id: number, from: ReceiptStatus, now: Date): Promise<number> {
      const { rows } = await db.query<{ attempt: number }>(
        `WITH moved AS (
           UPDATE fiscal_receipt SET status = 'sending', attempts = attempts + 1, updated_at = $3
           WHERE id = $1 AND status = $2 RETURNING attempts
         )
         INSERT INTO fiscal_receipt_attempt (receipt_id, attempt, started_at)
         SELECT $1, attempts, $3 FROM moved RETURNING attempt`,
        [id, from, now],
      )
      if (!rows[0]) throw new Error(`receipt ${id} is no longer ${from}`)
      return rows[0].attempt
    },

    async finishAttempt(id: number, attempt: number, outcome: string, error: string | null, now: Date): Promise<void> {
      await db.query(
        `UPDATE fiscal_receipt_attempt SET finished_at = $3, outcome = $4, error = $5
         WHERE receipt_id = $1 AND attempt = $2`,
        [id, attempt, now, outcome, error],
      )
    },

    /**
     * Closes the attempts of a receipt left open (a process killed after `markSending`, before the answer was
     * recorded): they end with `outcome`, so no attempt row stays open forever. Returns how many it closed.
     */
    async closeOpenAttempts(id: number, outcome: string, error: string, now: Date): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE fiscal_receipt_attempt SET finished_at = $2, outcome = $3, error = $4
         WHERE receipt_id = $1 AND finished_at IS NULL`,
        [id, now, outcome, error],
      )
      return rowCount ?? 0
    },

    /**
     * A receipt a person asks to retry, locked for the caller's transaction: the row, its original's status (a
     * return), and whether any request of it may have reached Webkassa — an attempt still open or ended other than
     * by an answer that says Webkassa took nothing (`DEFINITE_NO_ATTEMPT`).
     */
    async lockForRetry(
      q: Queryable,
      id: number,
    ): Promise<{ row: ReceiptRow; originalStatus: ReceiptStatus | null; maybeSent: boolean } | undefined> {
      const { rows } = await q.query<RawReceipt & { originalStatus: ReceiptStatus | null; maybeSent: boolean }>(
        `SELECT ${RECEIPT},
           (SELECT o.status FROM fiscal_receipt o WHERE o.id = fiscal_receipt.original_id) AS "originalStatus",
           EXISTS (SELECT 1 FROM fiscal_receipt_attempt a WHERE a.receipt_id = fiscal_receipt.id
             AND (a.outcome IS NULL OR NOT a.outcome = ANY($2::text[]))) AS "maybeSent"
         FROM fiscal_receipt WHERE id = $1 FOR UPDATE`,
        [id, DEFINITE_NO_ATTEMPT],
      )
      if (!rows[0]) return undefined
      const { originalStatus, maybeSent, ...raw } = rows[0]
      return { row: receiptOf(raw), originalStatus, maybeSent: maybeSent === true }
    },

    /** A person's retry: the receipt to `to` (pending or recovering) with its failures and last error cleared. */
    async retry(q: Queryable, id: number, from: ReceiptStatus, to: ReceiptStatus, now: Date): Promise<boolean> {
      const { rowCount } = await q.query(
        `UPDATE fiscal_receipt SET status = $3, failures = 0, last_error = NULL, last_error_code = NULL, updated_at = $4
         WHERE id = $1 AND status = $2`,
        [id, from, to, now],
      )
      return rowCount === 1
    },

    /** Columns that record the fiscal facts (for `move`). */
    factsColumns(facts: FiscalFacts, via: string, now: Date): Record<string, unknown> {
      const values = factValues(facts, via)
      return {
        ...Object.fromEntries(FACT_COLUMNS.map(([name], i) => [name, values[i]])),
        fiscalized_at: now,
        last_error: null,
        last_error_code: null,
      }
    },

    async cashbox(znk: string) {
      const { rows } = await db.query<{
        znk: string
        parkedAt: Date | null
        parkedCode: number | null
        parkedReason: string | null
      }>(
        `SELECT znk, parked_at AS "parkedAt", parked_code AS "parkedCode", parked_reason AS "parkedReason"
         FROM fiscal_cashbox WHERE znk = $1`,
        [znk],
      )
      return rows[0]
    },

    async park(znk: string, code: number, reason: string, now: Date): Promise<void> {
      await db.query(
        `UPDATE fiscal_cashbox SET parked_at = COALESCE(parked_at, $4), parked_code = $2, parked_reason = $3, updated_at = $4
         WHERE znk = $1`,
        [znk, code, reason, now],
      )
    },

    async unpark(znk: string, now: Date): Promise<void> {
      await db.query(
        `UPDATE fiscal_cashbox SET parked_at = NULL, parked_code = NULL, parked_reason = NULL, updated_at = $2
         WHERE znk = $1 AND parked_at IS NOT NULL`,
        [znk, now],
      )
    },

    /**
     * Each configured cashbox as the status page shows it: parked or not, its queue (unfinished receipts and the
     * oldest of them), receipts that need a person, its open shift, and whether its last receipt was made offline.
     */
    async cashboxStatus(znks: readonly string[]) {
      const { rows } = await db.query<{
        znk: string
        parkedAt: Date | null
        parkedCode: number | null
        parkedReason: string | null
        queued: number | string
        oldestQueuedAt: Date | null
        needsAttention: number | string
        shiftNumber: number | null
        shiftOpenedAt: Date | null
        lastOffline: boolean | null
      }>(
        `SELECT c.znk, b.parked_at AS "parkedAt", b.parked_code AS "parkedCode", b.parked_reason AS "parkedReason",
           (SELECT count(*) FROM fiscal_receipt r WHERE r.cashbox = c.znk AND r.status IN ('pending', 'sending', 'recovering')) AS queued,
           (SELECT min(created_at) FROM fiscal_receipt r WHERE r.cashbox = c.znk AND r.status IN ('pending', 'sending', 'recovering')) AS "oldestQueuedAt",
           (SELECT count(*) FROM fiscal_receipt r WHERE r.cashbox = c.znk AND r.status IN ('needs_attention', 'failed')) AS "needsAttention",
           s.shift_number AS "shiftNumber", s.opened_at AS "shiftOpenedAt",
           (SELECT r.offline FROM fiscal_receipt r WHERE r.cashbox = c.znk AND r.status = 'fiscalized'
            ORDER BY r.fiscalized_at DESC, r.id DESC LIMIT 1) AS "lastOffline"
         FROM unnest($1::text[]) WITH ORDINALITY AS c (znk, place)
         LEFT JOIN fiscal_cashbox b ON b.znk = c.znk
         LEFT JOIN LATERAL (SELECT shift_number, opened_at FROM fiscal_shift f
           WHERE f.cashbox = c.znk AND f.closed_at IS NULL ORDER BY shift_number DESC LIMIT 1) s ON true
         ORDER BY c.place`,
        [znks],
      )
      return rows.map((r) => ({ ...r, queued: Number(r.queued), needsAttention: Number(r.needsAttention) }))
    },

    // Shifts and reports.

    async openShift(cashbox: string): Promise<{ shiftNumber: number; openedAt: Date } | undefined> {
      const { rows } = await db.query<{ shiftNumber: number; openedAt: Date }>(
        `SELECT shift_number AS "shiftNumber", opened_at AS "openedAt" FROM fiscal_shift
         WHERE cashbox = $1 AND closed_at IS NULL ORDER BY shift_number DESC LIMIT 1`,
        [cashbox],
      )
      return rows[0]
    },

    /** A receipt went through in shift `n`: the shift is known from then, and any older one is closed. */
    async observeShift(cashbox: string, n: number, at: Date): Promise<void> {
      await db.query(
        `WITH older AS (
           UPDATE fiscal_shift SET closed_at = $3 WHERE cashbox = $1 AND shift_number < $2 AND closed_at IS NULL
         )
         INSERT INTO fiscal_shift (cashbox, shift_number, opened_at) VALUES ($1, $2, $3)
         ON CONFLICT (cashbox, shift_number) DO NOTHING`,
        [cashbox, n, at],
      )
    },

    /** Closes whatever shift of the cashbox is open (a Z report went through, or there was nothing to close). */
    async closeShifts(cashbox: string, at: Date): Promise<void> {
      await db.query(`UPDATE fiscal_shift SET closed_at = $2 WHERE cashbox = $1 AND closed_at IS NULL`, [cashbox, at])
    },

    /** Open shifts that opened at or before `before`: those the scheduled Z report closes. */
    async agingShifts(before: Date): Promise<Array<{ cashbox: string; shiftNumber: number }>> {
      const { rows } = await db.query<{ cashbox: string; shiftNumber: number }>(
        `SELECT cashbox, shift_number AS "shiftNumber" FROM fiscal_shift
         WHERE closed_at IS NULL AND opened_at <= $1 ORDER BY cashbox`,
        [before],
      )
      return rows
    },

    async insertReport(q: Queryable, cashbox: string, kind: 'x' | 'z', reason: string, now: Date): Promise<number> {
      const { rows } = await q.query<{ id: number }>(
        `INSERT INTO fiscal_report (cashbox, kind, reason, status, requested_at) VALUES ($1, $2, $3, 'pending', $4)
         RETURNING id`,
        [cashbox, kind, reason, now],
      )
      return Number(rows[0].id)
    },

    async finishReport(
      id: number,
      outcome: { status: 'done' | 'failed'; shiftNumber?: number | null; data?: unknown; error?: string | null },
      now: Date,
    ): Promise<void> {
      await db.query(
        `UPDATE fiscal_report SET status = $2, shift_number = $3, data = $4, error = $5, finished_at = $6 WHERE id = $1`,
        [
          id,
          outcome.status,
          outcome.shiftNumber ?? null,
          outcome.data === undefined ? null : JSON.stringify(outcome.data),
          outcome.error ?? null,
          now,
        ],
      )
    },

    async report(id: number) {
      const { rows } = await db.query<{
        id: number
        cashbox: string
        kind: 'x' | 'z'
        reason: string
        status: 'pending' | 'done' | 'failed'
        shiftNumber: number | null
        data: unknown
        error: string | null
        requestedAt: Date
        finishedAt: Date | null
      }>(
        `SELECT id, cashbox, kind, reason, status, shift_number AS "shiftNumber", data, error,
           requested_at AS "requestedAt", finished_at AS "finishedAt" FROM fiscal_report WHERE id = $1`,
        [id],
      )
      return rows[0] && { ...rows[0], id: Number(rows[0].id) }
    },

    async reports(cashbox: string, kind?: 'x' | 'z') {
      const { rows } = await db.query<{ id: number; kind: string; reason: string; status: string }>(
        `SELECT id, kind, reason, status FROM fiscal_report WHERE cashbox = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
        [cashbox, kind ?? null],
      )
      return rows.map((r) => ({ ...r, id: Number(r.id) }))
    },
  }
}

export type ReceiptRepository = ReturnType<typeof createReceiptRepository>
