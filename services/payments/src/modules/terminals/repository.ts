import type { Database, Queryable } from '@kokdala/core'

/** A terminal as operators see it: never its access token. */
export interface TerminalView {
  id: number
  name: string
  baseUrl: string
  cameraId: string
  enabled: boolean
  state: 'unknown' | 'online' | 'offline'
  lastSeenAt: Date | null
  lastError: string | null
  leaseAttemptId: number | null
  leaseExpiresAt: Date | null
}

/** What the pool needs to talk to a terminal. */
export interface TerminalAddress {
  id: number
  baseUrl: string
  accessToken: string
  cameraId: string
}

export type ProcessStatus = 'starting' | 'waiting' | 'unknown' | 'paid' | 'failed'

/** An attempt's process on its terminal, with the terminal's address. */
export interface ProcessRow {
  attemptId: number
  terminalId: number
  amountTenge: number
  status: ProcessStatus
  processId: string | null
  qrCode: string | null
  paymentUrl: string | null
  paidAmountTiyn: number | null
  productType: string | null
  loanTerm: number | null
  transactionId: string | null
  chequeMethod: string | null
  failureReason: string | null
  startedAt: Date
  lastCheckedAt: Date | null
  finishedAt: Date | null
  baseUrl: string
  accessToken: string
  cameraId: string
}

/** The outcome columns a status check writes. */
export interface ProcessOutcome {
  status: 'waiting' | 'unknown' | 'paid' | 'failed'
  paidAmountTiyn?: bigint
  productType?: string
  loanTerm?: number
  transactionId?: string
  chequeMethod?: string
  failureReason?: string
}

const TERMINAL_VIEW = `t.id, t.name, t.base_url AS "baseUrl", t.camera_id AS "cameraId", t.enabled, t.state,
  t.last_seen_at AS "lastSeenAt", t.last_error AS "lastError", t.lease_attempt_id AS "leaseAttemptId",
  t.lease_expires_at AS "leaseExpiresAt"`

const PROCESS = `p.attempt_id AS "attemptId", p.terminal_id AS "terminalId", p.amount_tenge AS "amountTenge", p.status,
  p.process_id AS "processId", p.qr_code AS "qrCode", p.payment_url AS "paymentUrl",
  p.paid_amount_tiyn AS "paidAmountTiyn", p.product_type AS "productType", p.loan_term AS "loanTerm",
  p.transaction_id AS "transactionId", p.cheque_method AS "chequeMethod", p.failure_reason AS "failureReason",
  p.started_at AS "startedAt", p.last_checked_at AS "lastCheckedAt", p.finished_at AS "finishedAt",
  t.base_url AS "baseUrl", t.access_token AS "accessToken", t.camera_id AS "cameraId"`

/** Why a lease was not taken: every usable terminal is leased, or none is usable (all offline or disabled). */
export type LeaseRefusal = 'busy' | 'unavailable'

/** PostgreSQL's unique_violation: two requests raced for one attempt and this one lost. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}

/** The only SQL of the terminals module (tables `kaspi_terminal`, `kaspi_terminal_process`, `kaspi_terminal_refund`). */
export function createTerminalRepository(db: Database) {
  const releaseLease = (q: Queryable, attemptId: number) =>
    q.query('UPDATE kaspi_terminal SET lease_attempt_id = NULL, lease_expires_at = NULL WHERE lease_attempt_id = $1', [
      attemptId,
    ])

  return {
    async insertTerminal(input: {
      name: string
      baseUrl: string
      accessToken: string
      cameraId: string
      enabled: boolean
    }): Promise<TerminalView> {
      const { rows } = await db.query<TerminalView>(
        `INSERT INTO kaspi_terminal AS t (name, base_url, access_token, camera_id, enabled) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${TERMINAL_VIEW}`,
        [input.name, input.baseUrl, input.accessToken, input.cameraId, input.enabled],
      )
      return rows[0]
    },

    async listTerminals(): Promise<TerminalView[]> {
      const { rows } = await db.query<TerminalView>(`SELECT ${TERMINAL_VIEW} FROM kaspi_terminal t ORDER BY t.id`)
      return rows
    },

    async setEnabled(id: number, enabled: boolean): Promise<TerminalView | undefined> {
      const { rows } = await db.query<TerminalView>(
        `UPDATE kaspi_terminal t SET enabled = $2 WHERE t.id = $1 RETURNING ${TERMINAL_VIEW}`,
        [id, enabled],
      )
      return rows[0]
    },

    async terminalAddresses(): Promise<TerminalAddress[]> {
      const { rows } = await db.query<TerminalAddress>(
        `SELECT id, base_url AS "baseUrl", access_token AS "accessToken", camera_id AS "cameraId"
         FROM kaspi_terminal ORDER BY id`,
      )
      return rows
    },

    /**
     * Leases the least recently used free terminal to the attempt and records its process as `starting`, in one short
     * transaction. `FOR UPDATE SKIP LOCKED` lets concurrent leases pass each other by, and PostgreSQL re-checks
     * `lease_attempt_id IS NULL` on a row another transaction has just leased, so no terminal is ever taken twice.
     * Resolves with the terminal, a refusal, or 'started' when the attempt already has a process (a concurrent start
     * of the same attempt won: the unique lease_attempt_id or the process's primary key says so).
     */
    async lease(input: {
      attemptId: number
      amountTenge: number
      now: Date
      expiresAt: Date
      exclude: number[]
    }): Promise<TerminalAddress | LeaseRefusal | 'started'> {
      try {
        return await db.transaction(async (tx) => {
          const { rows } = await tx.query<TerminalAddress>(
            `WITH free AS (
               SELECT id FROM kaspi_terminal
               WHERE enabled AND lease_attempt_id IS NULL AND (state <> 'offline' OR retry_at <= $2)
                 AND NOT (id = ANY ($4::int[]))
               ORDER BY leased_at NULLS FIRST, id
               LIMIT 1
               FOR UPDATE SKIP LOCKED)
             UPDATE kaspi_terminal t SET lease_attempt_id = $1, lease_expires_at = $3, leased_at = $2
             FROM free WHERE t.id = free.id AND t.lease_attempt_id IS NULL
             RETURNING t.id, t.base_url AS "baseUrl", t.access_token AS "accessToken", t.camera_id AS "cameraId"`,
            [input.attemptId, input.now, input.expiresAt, input.exclude],
          )
          const terminal = rows[0]
          if (!terminal) return refusal(tx, input.now, input.exclude)
          const inserted = await tx.query(
            `INSERT INTO kaspi_terminal_process (attempt_id, terminal_id, amount_tenge, status, started_at)
             VALUES ($1, $2, $3, 'starting', $4) ON CONFLICT (attempt_id) DO NOTHING`,
            [input.attemptId, terminal.id, input.amountTenge, input.now],
          )
          if (inserted.rowCount === 0) throw new AlreadyStarted()
          return terminal
        })
      } catch (error) {
        if (error instanceof AlreadyStarted || isUniqueViolation(error)) return 'started'
        throw error
      }
    },

    async findProcess(attemptId: number): Promise<ProcessRow | undefined> {
      const { rows } = await db.query<ProcessRow>(
        `SELECT ${PROCESS} FROM kaspi_terminal_process p JOIN kaspi_terminal t ON t.id = p.terminal_id
         WHERE p.attempt_id = $1`,
        [attemptId],
      )
      return rows[0]
    },

    /** The terminal took the payment: its process id, the attempt now waits for the customer (false: released). */
    async setProcessId(attemptId: number, processId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE kaspi_terminal_process SET process_id = $2, status = 'waiting' WHERE attempt_id = $1 AND status = 'starting'`,
        [attemptId, processId],
      )
      return rowCount > 0
    },

    async setQr(attemptId: number, qrCode: string, paymentUrl: string): Promise<void> {
      await db.query('UPDATE kaspi_terminal_process SET qr_code = $2, payment_url = $3 WHERE attempt_id = $1', [
        attemptId,
        qrCode,
        paymentUrl,
      ])
    },

    /** A start that failed before the customer could pay: the process is forgotten and the terminal freed. */
    async abandonStart(attemptId: number): Promise<void> {
      await db.transaction(async (tx) => {
        await releaseLease(tx, attemptId)
        await tx.query(
          `DELETE FROM kaspi_terminal_process WHERE attempt_id = $1 AND status IN ('starting', 'waiting')`,
          [attemptId],
        )
      })
    },

    /**
     * Claims the right to ask the terminal about an open attempt now: only when nobody (in any process) asked since
     * `freshSince`. Undefined when the attempt is final, not started or was asked about too recently.
     */
    async claimCheck(attemptId: number, now: Date, freshSince: Date): Promise<ProcessRow | undefined> {
      const { rows } = await db.query<ProcessRow>(
        `UPDATE kaspi_terminal_process p SET last_checked_at = $2
         FROM kaspi_terminal t
         WHERE p.attempt_id = $1 AND t.id = p.terminal_id AND p.status IN ('waiting', 'unknown')
           AND p.process_id IS NOT NULL AND (p.last_checked_at IS NULL OR p.last_checked_at <= $3)
         RETURNING ${PROCESS}`,
        [attemptId, now, freshSince],
      )
      return rows[0]
    },

    /** Writes what the terminal said; a final outcome frees the terminal in the same transaction. */
    async recordOutcome(attemptId: number, outcome: ProcessOutcome, now: Date): Promise<boolean> {
      const final = outcome.status === 'paid' || outcome.status === 'failed'
      return db.transaction(async (tx) => {
        const updated = await tx.query(
          `UPDATE kaspi_terminal_process SET status = $2, paid_amount_tiyn = $3, product_type = $4, loan_term = $5,
             transaction_id = $6, cheque_method = $7, failure_reason = $8, finished_at = $9
           WHERE attempt_id = $1 AND status IN ('starting', 'waiting', 'unknown')`,
          [
            attemptId,
            outcome.status,
            outcome.paidAmountTiyn ?? null,
            outcome.productType ?? null,
            outcome.loanTerm ?? null,
            outcome.transactionId ?? null,
            outcome.chequeMethod ?? null,
            outcome.failureReason ?? null,
            final ? now : null,
          ],
        )
        if (final) await releaseLease(tx, attemptId)
        return updated.rowCount > 0
      })
    },

    releaseLease: (attemptId: number) => releaseLease(db, attemptId),

    async markOnline(terminalId: number, now: Date): Promise<void> {
      await db.query(`UPDATE kaspi_terminal SET state = 'online', last_seen_at = $2, retry_at = NULL WHERE id = $1`, [
        terminalId,
        now,
      ])
    },

    async markOffline(terminalId: number, error: string, retryAt: Date): Promise<void> {
      await db.query(`UPDATE kaspi_terminal SET state = 'offline', last_error = $2, retry_at = $3 WHERE id = $1`, [
        terminalId,
        error.slice(0, 500),
        retryAt,
      ])
    },

    async noteError(terminalId: number, error: string): Promise<void> {
      await db.query('UPDATE kaspi_terminal SET last_error = $2 WHERE id = $1', [terminalId, error.slice(0, 500)])
    },

    /** Open attempts nobody asked about since `staleSince` (started before it): the poller's work. */
    async unpolled(staleSince: Date, limit: number): Promise<number[]> {
      const { rows } = await db.query<{ attemptId: number }>(
        `SELECT attempt_id AS "attemptId" FROM kaspi_terminal_process
         WHERE status IN ('waiting', 'unknown') AND process_id IS NOT NULL AND started_at <= $1
           AND (last_checked_at IS NULL OR last_checked_at <= $1)
         ORDER BY last_checked_at NULLS FIRST LIMIT $2`,
        [staleSince, limit],
      )
      return rows.map((row) => row.attemptId)
    },

    /** Final outcomes not yet handed to the payments module by the poller, older than `since`. */
    async unsettled(since: Date, limit: number): Promise<number[]> {
      const { rows } = await db.query<{ attemptId: number }>(
        `SELECT attempt_id AS "attemptId" FROM kaspi_terminal_process
         WHERE status IN ('paid', 'failed') AND settled_at IS NULL AND finished_at <= $1
         ORDER BY finished_at LIMIT $2`,
        [since, limit],
      )
      return rows.map((row) => row.attemptId)
    },

    async markSettled(attemptId: number, now: Date): Promise<void> {
      await db.query('UPDATE kaspi_terminal_process SET settled_at = $2 WHERE attempt_id = $1', [attemptId, now])
    },

    /**
     * Claims one lease past its deadline for reclaiming, by pushing the deadline to `claimUntil`: two pollers never
     * reclaim one lease, and a reclaimer that dies leaves it to be claimed again later.
     */
    async claimExpiredLease(
      now: Date,
      claimUntil: Date,
    ): Promise<{ terminalId: number; attemptId: number } | undefined> {
      const { rows } = await db.query<{ terminalId: number; attemptId: number }>(
        `UPDATE kaspi_terminal t SET lease_expires_at = $2
         WHERE t.id = (SELECT id FROM kaspi_terminal WHERE lease_expires_at <= $1 ORDER BY lease_expires_at
                       LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND t.lease_expires_at <= $1
         RETURNING t.id AS "terminalId", t.lease_attempt_id AS "attemptId"`,
        [now, claimUntil],
      )
      return rows[0]
    },

    /** Offline terminals due for another try. */
    async offlineDue(now: Date): Promise<TerminalAddress[]> {
      const { rows } = await db.query<TerminalAddress>(
        `SELECT id, base_url AS "baseUrl", access_token AS "accessToken", camera_id AS "cameraId" FROM kaspi_terminal
         WHERE enabled AND state = 'offline' AND retry_at <= $1 ORDER BY id`,
        [now],
      )
      return rows
    },

    /** Takes one given free terminal for a short operation (a refund); false when it is leased. */
    async leaseTerminal(terminalId: number, attemptId: number, expiresAt: Date): Promise<boolean> {
      try {
        const { rowCount } = await db.query(
          `UPDATE kaspi_terminal SET lease_attempt_id = $2, lease_expires_at = $3
           WHERE id = $1 AND lease_attempt_id IS NULL`,
          [terminalId, attemptId, expiresAt],
        )
        return rowCount > 0
      } catch (error) {
        if (isUniqueViolation(error)) return false
        throw error
      }
    },

    async insertRefund(input: {
      attemptId: number
      terminalId: number
      amountTenge: number
      processId: string
      /** The ledger's refund row this carries out, when the payments module said which. */
      entryId?: number
      now: Date
    }): Promise<void> {
      await db.query(
        `INSERT INTO kaspi_terminal_refund (attempt_id, terminal_id, amount_tenge, process_id, entry_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [input.attemptId, input.terminalId, input.amountTenge, input.processId, input.entryId ?? null, input.now],
      )
    },

    /** Refunds sent through terminals in [from, to), as the reconciliation's ledger side when no ledger is given. */
    async refundsBetween(from: Date, to: Date): Promise<RefundRow[]> {
      const { rows } = await db.query<RefundRow>(
        `SELECT ${REFUND} FROM kaspi_terminal_refund WHERE created_at >= $1 AND created_at < $2 ORDER BY id`,
        [from, to],
      )
      return rows.map(refundRow)
    },

    /** Refunds sent through terminals by the terminals' refund process ids. */
    async refundsByProcessIds(processIds: string[]): Promise<RefundRow[]> {
      if (processIds.length === 0) return []
      const { rows } = await db.query<RefundRow>(
        `SELECT ${REFUND} FROM kaspi_terminal_refund WHERE process_id = ANY ($1::text[]) ORDER BY id`,
        [processIds],
      )
      return rows.map(refundRow)
    },

    /** The terminal each attempt ran on. */
    async terminalsOfAttempts(attemptIds: number[]): Promise<Map<number, number>> {
      if (attemptIds.length === 0) return new Map()
      const { rows } = await db.query<{ attemptId: string | number; terminalId: number }>(
        `SELECT attempt_id AS "attemptId", terminal_id AS "terminalId" FROM kaspi_terminal_process
         WHERE attempt_id = ANY ($1::bigint[])`,
        [attemptIds],
      )
      return new Map(rows.map((row) => [Number(row.attemptId), row.terminalId]))
    },

    /** Paid processes of a period (by when they finished), for reconciliation. */
    async paidProcesses(from: Date, to: Date): Promise<ProcessRow[]> {
      const { rows } = await db.query<ProcessRow>(
        `SELECT ${PROCESS} FROM kaspi_terminal_process p JOIN kaspi_terminal t ON t.id = p.terminal_id
         WHERE p.status = 'paid' AND p.finished_at >= $1 AND p.finished_at < $2 ORDER BY p.attempt_id`,
        [from, to],
      )
      return rows
    },

    /** Processes by their terminal's transaction or process id, whatever their status or age. */
    async processesOf(terminalId: number, ids: string[]): Promise<ProcessRow[]> {
      if (ids.length === 0) return []
      const { rows } = await db.query<ProcessRow>(
        `SELECT ${PROCESS} FROM kaspi_terminal_process p JOIN kaspi_terminal t ON t.id = p.terminal_id
         WHERE p.terminal_id = $1 AND (p.transaction_id = ANY ($2::text[]) OR p.process_id = ANY ($2::text[]))`,
        [terminalId, ids],
      )
      return rows
    },
  }

  /** Why no terminal was free: any enabled terminal not offline (so: leased) means busy, otherwise unavailable. */
  async function refusal(tx: Queryable, now: Date, exclude: number[]): Promise<LeaseRefusal> {
    const { rows } = await tx.query<{ usable: number }>(
      `SELECT count(*)::int AS usable FROM kaspi_terminal
       WHERE enabled AND (state <> 'offline' OR retry_at <= $1) AND NOT (id = ANY ($2::int[]))`,
      [now, exclude],
    )
    return rows[0].usable > 0 ? 'busy' : 'unavailable'
  }
}

class AlreadyStarted extends Error {}

/** A refund sent through a terminal, in the reconciliation's terms (amount in tiyn, process id as the reference). */
export interface RefundRow {
  refundId: number
  attemptId: number
  amountTiyn: bigint
  reference: string | null
}

const REFUND = `id AS "refundId", attempt_id AS "attemptId", amount_tenge AS "amountTiyn", process_id AS reference`

function refundRow(row: RefundRow): RefundRow {
  return {
    refundId: Number(row.refundId),
    attemptId: Number(row.attemptId),
    amountTiyn: BigInt(row.amountTiyn) * 100n,
    reference: row.reference,
  }
}

export type TerminalRepository = ReturnType<typeof createTerminalRepository>
